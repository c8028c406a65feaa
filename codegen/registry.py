"""Reads vk.xml (plus our Venus fragment) into a small model.

Only what the protocol generator needs: types with their members, commands
with their parameters, enum values, API constants, extensions and the
header version.  Entries for other APIs (vulkansc) are dropped.
"""

import re
import xml.etree.ElementTree as ET


def api_ok(el):
    api = el.get('api')
    return api is None or 'vulkan' in api.split(',')


class Decl:
    """One struct member or command parameter, parsed from its C text."""

    def __init__(self, el, constants):
        self.name = el.find('name').text
        self.type = el.find('type').text
        # text before the <name> element and after it (comments excluded)
        before, after, seen = el.text or '', '', False
        for child in el:
            if child.tag == 'comment':
                after += child.tail or ''
                continue
            if child.tag == 'name':
                seen = True
                after += child.tail or ''
            elif seen:
                after += (child.text or '') + (child.tail or '')
            else:
                before += (child.text or '') + (child.tail or '')
        self.const = before.strip().startswith('const')
        self.ptr = before.count('*')
        self.bitfield = re.search(r':\s*\d+', after) is not None
        self.dims = []
        for d in re.findall(r'\[([^\]]+)\]', after):
            d = d.strip()
            self.dims.append(int(d) if d.isdigit() else constants.get(d))
        self.len = el.get('altlen') or el.get('len')
        if el.get('altlen') is None and self.len and self.len.startswith('latexmath'):
            self.len = None
            self.bad_len = True
        else:
            self.bad_len = False
        self.optional = el.get('optional', '')
        # optional="true[,…]": the pointer (or handle, or count) itself may be
        # NULL / VK_NULL_HANDLE / 0; the later values are per indirection
        self.may_be_null = self.optional.split(',')[0].strip() == 'true'
        # optional="…,true": what the pointer points to (an array's handles)
        # may be VK_NULL_HANDLE too
        parts = [x.strip() for x in self.optional.split(',')]
        self.elems_may_be_null = len(parts) > 1 and parts[1] == 'true'
        # noautovalidity: validity depends on other members (e.g. pImageInfo
        # of VkWriteDescriptorSet on descriptorType), so vk.xml says nothing
        self.noautovalidity = el.get('noautovalidity') == 'true'
        self.values = el.get('values')
        self.selector = el.get('selector')
        self.selection = el.get('selection')
        # C declaration text up to the name (type with qualifiers/pointers)
        self.ctype = ' '.join(before.split())


class Type:
    def __init__(self, el, category, name):
        self.el = el
        self.category = category
        self.name = name
        self.alias = el.get('alias')
        self.members = []
        self.structextends = [s for s in (el.get('structextends') or '').split(',') if s]
        self.base = None        # basetype/bitmask: underlying type name
        self.dispatchable = False
        self.objtype = el.get('objtypeenum')
        self.requires = el.get('requires')
        self.bitvalues = el.get('bitvalues') or el.get('requires')


class Command:
    def __init__(self, name, ret, params):
        self.name = name
        self.ret = ret
        self.params = params


class Extension:
    def __init__(self, el):
        self.name = el.get('name')
        self.number = int(el.get('number'))
        self.supported = (el.get('supported') or '').split(',')
        self.platform = el.get('platform')
        self.provisional = el.get('provisional') == 'true'
        self.types = []
        self.commands = []
        self.spec_version = 0
        self.from_fragment = False


class Registry:
    def __init__(self, vk_xml, fragment):
        self.types = {}
        self.commands = {}
        self.cmd_alias = {}
        self.constants = {}
        self.enum_values = {}
        self.enum_widths = {}
        self.enum_members = {}    # enum type name -> set of the values of its members
        self.extensions = {}
        self.type_origin = {}     # type name -> set of extension names / 'core'
        self.header_version = None
        self.version_major_minor = None
        roots = [(ET.parse(vk_xml).getroot(), False)]
        roots.append((ET.parse(fragment).getroot(), True))
        for root, _ in roots:
            self._read_constants(root)
        for root, frag in roots:
            self._read_types(root)
            self._read_enums(root)
        for root, frag in roots:
            self._read_commands(root)
            self._read_features(root, frag)

    # --- constants and enums -------------------------------------------
    def _read_constants(self, root):
        for enums in root.findall('enums'):
            if enums.get('name') != 'API Constants':
                continue
            for e in enums.findall('enum'):
                if e.get('alias') or not api_ok(e):
                    continue
                v = e.get('value')
                v = v.strip('()').replace('ULL', '').replace('U', '').replace('F', '')
                try:
                    self.constants[e.get('name')] = int(v, 0)
                except ValueError:
                    pass

    def _enum_value(self, e, extnumber=None):
        if e.get('value') is not None:
            v = e.get('value')
            try:
                return int(v.replace('ULL', '').replace('U', ''), 0)
            except ValueError:
                return None
        if e.get('bitpos') is not None:
            return 1 << int(e.get('bitpos'))
        if e.get('offset') is not None:
            num = int(e.get('extnumber') or extnumber)
            v = 1000000000 + (num - 1) * 1000 + int(e.get('offset'))
            return -v if e.get('dir') == '-' else v
        return None

    def _read_enums(self, root):
        for enums in root.findall('enums'):
            name = enums.get('name')
            if name == 'API Constants':
                continue
            self.enum_widths[name] = int(enums.get('bitwidth') or 32)
            members = self.enum_members.setdefault(name, set())
            for e in enums.findall('enum'):
                if e.get('alias') or not api_ok(e):
                    continue
                v = self._enum_value(e)
                if v is not None:
                    self.enum_values[e.get('name')] = v
                    members.add(v)

    # --- types -----------------------------------------------------------
    def _read_types(self, root):
        types = root.find('types')
        if types is None:
            return
        for el in types.findall('type'):
            if not api_ok(el):
                continue
            name = el.get('name') or (el.find('name').text if el.find('name') is not None else None)
            if not name:
                continue
            t = Type(el, el.get('category'), name)
            if t.category in ('struct', 'union') and not t.alias:
                for m in el.findall('member'):
                    if api_ok(m):
                        t.members.append(Decl(m, self.constants))
            elif t.category in ('basetype', 'bitmask') and not t.alias:
                inner = el.find('type')
                t.base = inner.text if inner is not None else None
            elif t.category == 'handle' and not t.alias:
                inner = el.find('type')
                t.dispatchable = inner is not None and inner.text == 'VK_DEFINE_HANDLE'
            elif t.category == 'define':
                self._read_define(el, name)
            self.types[name] = t

    def _read_define(self, el, name):
        text = ''.join(el.itertext())
        if name == 'VK_HEADER_VERSION':
            m = re.search(r'VK_HEADER_VERSION\s+(\d+)', text)
            if m:
                self.header_version = int(m.group(1))
        elif name == 'VK_HEADER_VERSION_COMPLETE':
            m = re.search(r'\(\s*\w+\s*,\s*(\d+)\s*,\s*(\d+)\s*,', text)
            if m:
                self.version_major_minor = (int(m.group(1)), int(m.group(2)))

    def canonical(self, name):
        seen = set()
        while name in self.types and self.types[name].alias and name not in seen:
            seen.add(name)
            name = self.types[name].alias
        return name

    # --- commands --------------------------------------------------------
    def _read_commands(self, root):
        cmds = root.find('commands')
        if cmds is None:
            return
        for el in cmds.findall('command'):
            if not api_ok(el):
                continue
            if el.get('alias'):
                self.cmd_alias[el.get('name')] = el.get('alias')
                continue
            proto = el.find('proto')
            name = proto.find('name').text
            ret = proto.find('type').text
            params = [Decl(p, self.constants) for p in el.findall('param') if api_ok(p)]
            self.commands[name] = Command(name, ret, params)

    def command(self, name):
        seen = set()
        while name in self.cmd_alias and name not in seen:
            seen.add(name)
            name = self.cmd_alias[name]
        return self.commands.get(name)

    # --- features and extensions ----------------------------------------
    def _read_require(self, req, extnumber, origin, ext):
        # newer registries say depends=, older ones extension=/feature=
        cond = ' '.join(req.get(a) or '' for a in ('depends', 'extension', 'feature'))
        depends = set(re.findall(r'VK_[A-Za-z0-9_]+', cond))
        depends = {d for d in depends if not d.startswith('VK_VERSION_')}
        for e in req.findall('enum'):
            if not api_ok(e):
                continue
            if e.get('extends') and not e.get('alias'):
                v = self._enum_value(e, extnumber)
                if v is not None:
                    self.enum_values[e.get('name')] = v
                    self.enum_members.setdefault(e.get('extends'), set()).add(v)
            elif ext is not None and e.get('name', '').endswith('_SPEC_VERSION'):
                try:
                    ext.spec_version = int(e.get('value'))
                except (TypeError, ValueError):
                    pass
        for t in req.findall('type'):
            self.type_origin.setdefault(t.get('name'), set()).add(origin)
            if ext is not None:
                ext.types.append((t.get('name'), depends))
        for c in req.findall('command'):
            if ext is not None:
                ext.commands.append((c.get('name'), depends))

    def _read_features(self, root, frag):
        for f in root.findall('feature'):
            if not api_ok(f):
                continue
            for req in f.findall('require'):
                if api_ok(req):
                    self._read_require(req, None, 'core', None)
        exts = root.find('extensions')
        if exts is None:
            return
        for el in exts.findall('extension'):
            ext = Extension(el)
            ext.from_fragment = frag
            for req in el.findall('require'):
                if api_ok(req):
                    self._read_require(req, ext.number, ext.name, ext)
            self.extensions[ext.name] = ext

    def vk_xml_version(self):
        major, minor = self.version_major_minor or (1, 0)
        return (major << 22) | (minor << 12) | (self.header_version or 0)

#!/usr/bin/env python3
"""Generates the Venus protocol tables (src/cs) from vk.xml + protocol/.

Output: one header (args structs, command ids, typed wrappers, definitions
of registry types the compiler's Vulkan headers lack) and one C file (the
member/struct/command tables the engine in src/cs/pv_cs_exec.c walks, the
capset extension mask and the covered-extension table).

Standard library only.  Run by Meson; output goes to the build directory.
"""

import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from registry import Registry  # noqa: E402
from pv_gen_fast import FastEmitter  # noqa: E402

BASE_KINDS = {
    'uint8_t': 'U8', 'int8_t': 'U8', 'char': 'U8',
    'uint16_t': 'U16', 'int16_t': 'U16',
    'uint32_t': 'U32', 'int32_t': 'U32', 'float': 'U32', 'int': 'U32',
    'uint64_t': 'U64', 'int64_t': 'U64', 'double': 'U64',
    'size_t': 'SIZE', 'void': 'BLOB',
}
SCALARS = ('U8', 'U16', 'U32', 'U64', 'SIZE')
DISPATCH = {'VkInstance': 'INSTANCE', 'VkPhysicalDevice': 'PHYSICAL_DEVICE',
            'VkDevice': 'DEVICE', 'VkQueue': 'QUEUE', 'VkCommandBuffer': 'COMMAND_BUFFER'}


class Unsupported(Exception):
    pass


# ----------------------------------------------------------------- tables
def read_command_ids(path):
    ids = []
    for line in open(path):
        words = line.split('#')[0].split()
        if not words:
            continue
        ident = int(words[0])
        ids.append((ident, [] if words[1:] == ['-'] else words[1:]))
    return ids


def read_extension_list(path):
    exts = {}
    for line in open(path):
        words = line.split('#')[0].split()
        if words:
            exts[words[0]] = int(words[1]) if len(words) > 1 else 0
    return exts


def read_exceptions(path):
    ex = {'never': set(), 'union_default': {}, 'encode_if': {}, 'inner_len': {},
          'may_be_null': set(), 'require_if': {}, 'any_value': set()}
    for line in open(path):
        w = line.split('#')[0].split()
        if not w:
            continue
        if w[0] == 'may_be_null':
            ex['may_be_null'].add((w[1], w[2]))
        elif w[0] == 'any_value':
            ex['any_value'].add((w[1], w[2]))
        elif w[0] == 'require_if':
            ex['require_if'][(w[1], w[2])] = (w[3], w[4].split(','))
        elif w[0] == 'never':
            ex['never'].add(w[1])
        elif w[0] == 'union_default':
            ex['union_default'][w[1]] = int(w[2])
        elif w[0] == 'inner_len':
            ex['inner_len'][(w[1], w[2])] = w[3]
        elif w[0] == 'encode_if':
            ex['encode_if'][(w[1], w[2])] = (w[3], w[4], w[5])
        else:
            raise SystemExit('%s: unknown rule %s' % (path, w[0]))
    return ex


def scan_header_names(paths):
    """Type names the compiler's Vulkan headers already define."""
    if not paths:
        return None
    names = set()
    for p in paths:
        text = open(p).read()
        names |= set(re.findall(r'typedef\s+(?:struct|union|enum)\s+(\w+)', text))
        names |= set(re.findall(r'VK_DEFINE_(?:NON_DISPATCHABLE_)?HANDLE\((\w+)\)', text))
        names |= set(re.findall(r'typedef\s+[^;(){}]*?\b(\w+)\s*;', text))
    return names


# ----------------------------------------------------------------- model
class Member:
    """One row of pv_cs_members."""

    def __init__(self, decl, shape, kind, ctype):
        self.decl = decl
        self.name = decl.name if decl else ''
        self.shape = shape
        self.kind = kind
        self.ctype = ctype            # element C type (canonical), or None
        self.flags = set()
        self.len_kind = 'NONE'
        self.len_member = 0
        self.len_const = 0
        self.len_add = 0
        self.len_div = 1
        self.len_off = '0'
        self.len_size = 0
        self.cond = 'NONE'
        self.cond_member = 0
        self.cond_value = 0
        self.aux = '0'
        self.aux2 = '0'
        self.type_ref = None          # struct/union name, or objtype value
        self.enum = 0                 # 1 + index into pv_cs_enums: values are checked
        self.req_member = 0           # REQ_IF: sibling whose value selects…
        self.req_mask = 0             # …by bit: where a NULL is rejected


class Gen:
    def __init__(self, reg, ids, allow, ex, header_names):
        self.reg = reg
        self.ids = ids
        self.allow = allow
        self.ex = ex
        self.header_names = header_names
        self.enc_memo = {}
        self.why = {}
        self.structs = {}             # name -> list of Member (encodable ones)
        self.enums = []               # enum types whose values the decoder checks
        self.enum_index = {}

    # --- kinds ---------------------------------------------------------
    def kind(self, tname):
        t = self.reg.canonical(tname)
        if t in BASE_KINDS:
            return BASE_KINDS[t]
        T = self.reg.types.get(t)
        if T is None:
            return None
        if T.category == 'basetype':
            text = ''.join(T.el.itertext())
            if '*' in text or not T.base:
                return None
            return BASE_KINDS.get(T.base)
        if T.category == 'bitmask':
            return self.kind(T.base) if T.base else None
        if T.category == 'enum':
            return 'U64' if self.reg.enum_widths.get(t, 32) == 64 else 'U32'
        if T.category == 'handle':
            return 'HANDLE'
        if T.category in ('struct', 'union'):
            return T.category.upper()
        return None

    # --- lengths -------------------------------------------------------
    def parse_len(self, m, expr, sibs, index, is_cmd):
        names = {s.name: i for i, s in enumerate(sibs)}
        expr = expr.strip()
        if ',' in expr:
            raise Unsupported('nested length %s' % expr)
        mm = re.fullmatch(r'(\d+)', expr)
        if mm:
            m.len_kind, m.len_const = 'CONST', int(expr)
            return
        mm = re.fullmatch(r'(\d+)\s*\*\s*(\w+)', expr)
        if mm and mm.group(2) in self.reg.constants:
            m.len_kind = 'CONST'
            m.len_const = int(mm.group(1)) * self.reg.constants[mm.group(2)]
            return
        mm = (re.fullmatch(r'(\w+)', expr) or
              re.fullmatch(r'(\w+)\s*/\s*(\d+)()', expr) or
              re.fullmatch(r'\(\s*(\w+)\s*\+\s*(\d+)\s*\)\s*/\s*(\d+)', expr))
        if mm:
            src = mm.group(1)
            if src in self.reg.constants and src not in names:
                m.len_kind, m.len_const = 'CONST', self.reg.constants[src]
                return
            if src not in names or names[src] >= index:
                raise Unsupported('length %s not a preceding member' % expr)
            sd = sibs[names[src]]
            m.len_member = names[src]
            g = [x for x in mm.groups()[1:] if x]
            if len(g) == 1:
                m.len_div = int(g[0])
            elif len(g) == 2:
                m.len_add, m.len_div = int(g[0]), int(g[1])
            if self.kind(sd.type) not in SCALARS:
                raise Unsupported('length %s is not a scalar' % expr)
            if sd.ptr == 0 and not sd.dims:
                m.len_kind = 'MEMBER'
            elif sd.ptr == 1 and m.len_div == 1 and m.len_add == 0:
                m.len_kind = 'MEMBER_PTR'
            else:
                raise Unsupported('length %s' % expr)
            return
        mm = re.fullmatch(r'(\w+)\s*(?:->|::)\s*(\w+)', expr)
        if mm and mm.group(1) in names and names[mm.group(1)] < index:
            sd = sibs[names[mm.group(1)]]
            st = self.reg.canonical(sd.type)
            T = self.reg.types.get(st)
            field = [x for x in (T.members if T else []) if x.name == mm.group(2)]
            if sd.ptr != 1 or not field or self.kind(field[0].type) not in ('U32', 'U64'):
                raise Unsupported('length %s' % expr)
            m.len_kind, m.len_member = 'PARAM_MEMBER', names[mm.group(1)]
            m.len_off = 'offsetof(%s, %s)' % (st, mm.group(2))
            m.len_size = 8 if self.kind(field[0].type) == 'U64' else 4
            return
        raise Unsupported('length %s' % expr)

    # --- members -------------------------------------------------------
    def classify(self, d, sibs, index, is_cmd, owner):
        t = self.reg.canonical(d.type)
        if d.bitfield:
            raise Unsupported('bitfield %s' % d.name)
        if not is_cmd and d.name == 'sType' and t == 'VkStructureType':
            return Member(d, 'STYPE', 'U32', 'VkStructureType')
        if not is_cmd and d.name == 'pNext':
            return Member(d, 'PNEXT', 'U32', None)
        if t == 'VkAllocationCallbacks' and d.ptr == 1:
            return Member(d, 'ALLOCATOR', 'U32', None)
        if d.bad_len:
            raise Unsupported('length of %s' % d.name)
        k = self.kind(t)
        if k is None:
            raise Unsupported('type %s' % t)
        ctype = 'char' if t == 'char' else t
        if d.ptr == 0:
            if k == 'BLOB':
                raise Unsupported('void value')
            if len(d.dims) > 1 or (d.dims and d.dims[0] is None):
                raise Unsupported('array dims of %s' % d.name)
            if d.dims:
                m = Member(d, 'FIXED', k, ctype)
                m.len_kind, m.len_const = 'CONST', d.dims[0]
                return m
            return Member(d, 'VALUE', k, ctype)
        if d.ptr == 2:
            if t == 'char' and d.len and d.len.endswith(',null-terminated'):
                m = Member(d, 'STRINGS', 'U8', 'char *')
                self.parse_len(m, d.len.split(',')[0], sibs, index, is_cmd)
                return m
            return self.array2(d, sibs, index, is_cmd, owner, k, ctype)
        if d.ptr != 1 or d.dims:
            raise Unsupported('pointer %s' % d.name)
        if t == 'char' and (d.len or '').startswith('null-terminated'):
            return Member(d, 'STRING', 'U8', 'char')
        if d.len:
            m = Member(d, 'ARRAY', k, 'uint8_t' if k == 'BLOB' else ctype)
            self.parse_len(m, d.len, sibs, index, is_cmd)
            return m
        if k == 'BLOB':
            # the guest sends an opaque pointer as a NULL marker only
            return Member(d, 'ALLOCATOR', 'U32', None)
        return Member(d, 'PTR', k, ctype)

    def array2(self, d, sibs, index, is_cmd, owner, k, ctype):
        """const T *const *: an array of arrays (acceleration structures)."""
        if k in ('BLOB', None) or not d.len:
            raise Unsupported('pointer to pointer %s' % d.name)
        outer, _, inner = d.len.partition(',')
        inner = inner.strip() or self.ex['inner_len'].get((owner, d.name), '')
        m = Member(d, 'ARRAY2', k, ctype)
        self.parse_len(m, outer, sibs, index, is_cmd)
        if inner.isdigit():
            m.aux = inner
            return m
        mm = re.fullmatch(r'(\w+)\[\]\.(\w+)', inner)
        names = [s.name for s in sibs]
        if not mm or mm.group(1) not in names or names.index(mm.group(1)) >= index:
            raise Unsupported('inner length of %s' % d.name)
        src = sibs[names.index(mm.group(1))]
        st = self.reg.canonical(src.type)
        fields = [x for x in self.reg.types[st].members if x.name == mm.group(2)]
        if not fields or self.kind(fields[0].type) != 'U32' or not src.len:
            raise Unsupported('inner length of %s' % d.name)
        m.aux = 'offsetof(%s, %s)' % (st, mm.group(2))
        m.aux2 = str(names.index(mm.group(1)) + 1)
        return m

    def finish_member(self, m):
        """Resolves the element's type reference and checks nested types."""
        if m.ctype is None or m.shape in ('STYPE', 'PNEXT', 'ALLOCATOR'):
            return
        if m.kind in ('STRUCT', 'UNION'):
            if not self.encodable(m.ctype):
                raise Unsupported('%s (%s)' % (m.ctype, self.why.get(m.ctype, '?')))
            m.type_ref = m.ctype
        elif m.kind == 'HANDLE':
            T = self.reg.types[m.ctype]
            if not T.objtype or T.objtype not in self.reg.enum_values:
                raise Unsupported('handle %s without object type' % m.ctype)
            m.type_ref = self.reg.enum_values[T.objtype]
            if T.dispatchable:
                m.flags.add('DISP')

    @staticmethod
    def wire_order(decls):
        """The guest sends a count before its array even where the struct
        declares it after (VkHostAddressRangeEXT: address, then size)."""
        order = list(decls)
        for d in decls:
            if d.len and d.ptr:
                src = d.len.split(',')[0].strip()
                names = [x.name for x in order]
                if src in names and names.index(src) > names.index(d.name):
                    cnt = order.pop(names.index(src))
                    order.insert(names.index(d.name), cnt)
        return order

    def strictness(self, m, owner):
        """What the decoder rejects besides malformed bytes (vk.xml's word):
        a NULL pointer, array (with a non-zero count), string or handle
        where vk.xml does not say optional="true" or noautovalidity, and an
        enum value the registry does not define."""
        d = m.decl
        if d is None:
            return
        nullable = (d.may_be_null or d.noautovalidity or
                    (owner, d.name) in self.ex['may_be_null'])
        if not nullable and (m.shape in ('ARRAY', 'STRINGS', 'ARRAY2', 'PTR', 'STRING') or
                             (m.kind == 'HANDLE' and m.shape == 'VALUE')):
            m.flags.add('REQUIRED')
        # an array of handles whose elements vk.xml does not let be NULL
        if (m.kind == 'HANDLE' and m.shape == 'ARRAY' and not d.noautovalidity and
                not d.elems_may_be_null):
            m.flags.add('ELEMS_REQUIRED')
        if m.kind == 'U32' and m.ctype and (owner, d.name) not in self.ex['any_value']:
            T = self.reg.types.get(m.ctype)
            while T is not None and T.alias:
                T = self.reg.types.get(T.alias)
            # flags of a type vk.xml defines no bits for are reserved: 0 only
            # (drivers assert on them, e.g. VkShaderModuleCreateFlags)
            if T is not None and T.category == 'bitmask' and not T.bitvalues:
                key = (T.name, True)
                if key not in self.enum_index:
                    self.enum_index[key] = len(self.enums)
                    self.enums.append(key)
                m.enum = self.enum_index[key] + 1
                return
            values = self.reg.enum_members.get(m.ctype)
            if T is not None and T.category == 'enum' and values:
                # optional="true" on a scalar: 0 is allowed too (e.g.
                # VkCommandBufferInheritanceRenderingInfo::rasterizationSamples)
                key = (m.ctype, d.may_be_null and 0 not in values)
                if key not in self.enum_index:
                    self.enum_index[key] = len(self.enums)
                    self.enums.append(key)
                m.enum = self.enum_index[key] + 1

    def member_list(self, decls, is_cmd, owner):
        decls = self.wire_order(decls)
        out = []
        for i, d in enumerate(decls):
            m = self.classify(d, decls, i, is_cmd, owner)
            self.finish_member(m)
            self.strictness(m, owner)
            out.append(m)
        for m in out:
            if m.len_kind in ('MEMBER', 'MEMBER_PTR'):
                out[m.len_member].flags.add('COUNT')
        return out

    # --- structs -------------------------------------------------------
    def encodable(self, name):
        name = self.reg.canonical(name)
        if name in self.enc_memo:
            return self.enc_memo[name] is not False
        self.enc_memo[name] = None     # in progress: cycles through pointers are fine
        try:
            self.structs[name] = self.build_struct(name)
            self.enc_memo[name] = True
        except Unsupported as e:
            self.enc_memo[name] = False
            self.why[name] = str(e)
        return self.enc_memo[name]

    def build_struct(self, name):
        T = self.reg.types.get(name)
        if T is None or T.category not in ('struct', 'union'):
            raise Unsupported('unknown type %s' % name)
        if T.category == 'union':
            return self.build_union(T)
        ms = self.member_list(T.members, False, name)
        for m in ms:
            if m.shape == 'STYPE' and (not m.decl.values or m.decl.values not in self.reg.enum_values):
                raise Unsupported('sType value of %s' % name)
            rule = self.ex['encode_if'].get((name, m.name))
            if rule:
                sel, op, val = rule
                idx = [i for i, x in enumerate(ms) if x.name == sel]
                if not idx or val not in self.reg.enum_values:
                    raise Unsupported('encode_if rule %s.%s' % (name, m.name))
                m.cond_member, m.cond_value = idx[0], self.reg.enum_values[val]
                m.cond = 'EQ' if op == '==' else 'NOT_BIT'
                # sent exactly when the condition holds: then it is required
                if not m.decl.may_be_null and (name, m.name) not in self.ex['may_be_null']:
                    m.flags.add('REQUIRED')
            rule = self.ex['require_if'].get((name, m.name))
            if rule:
                sel, vals = rule
                idx = [i for i, x in enumerate(ms) if x.name == sel]
                if not idx or idx[0] >= ms.index(m) or not all(
                        v in self.reg.enum_values and 0 <= self.reg.enum_values[v] < 32 for v in vals):
                    raise SystemExit('protocol/exceptions: bad require_if rule %s.%s' % (name, m.name))
                m.flags |= {'REQUIRED', 'REQ_IF'}
                m.req_member = idx[0]
                for v in vals:
                    m.req_mask |= 1 << self.reg.enum_values[v]
            if m.kind == 'UNION' and m.decl.selector:
                idx = [i for i, x in enumerate(ms) if x.name == m.decl.selector]
                if not idx:
                    raise Unsupported('selector of %s' % m.name)
                m.flags.add('SELECTOR')
                m.len_member = idx[0]
        return ms

    def build_union(self, T):
        ms = []
        for d in T.members:
            sels = (d.selection or '').split(',') if d.selection else [None]
            try:
                m = self.classify(d, T.members, 0, False, T.name)
                if m.shape not in ('VALUE', 'FIXED', 'PTR'):
                    raise Unsupported('union member shape')
                self.finish_member(m)
            except Unsupported:
                m = Member(d, 'VALUE', 'INVALID', None)
            for s in sels:
                mm = Member(d, m.shape, m.kind, m.ctype)
                mm.__dict__.update({k: v for k, v in m.__dict__.items() if k != 'aux'})
                mm.aux = str(self.reg.enum_values.get(s, 0)) if s else '0'
                ms.append(mm)
        if all(m.kind == 'INVALID' for m in ms):
            raise Unsupported('no carriable member')
        return ms

    # --- commands ------------------------------------------------------
    def build_command(self, cname, cmd):
        if cname in self.ex['never'] or cmd.name in self.ex['never']:
            raise Unsupported('never sent')
        ms = self.member_list(cmd.params, True, cname)
        for m in ms:
            d = m.decl
            out = d.ptr >= 1 and not d.const and m.shape in ('PTR', 'ARRAY')
            if out:
                m.flags.add('OUT')
            if m.kind == 'HANDLE' and out:
                m.flags.add('HANDLE_IDS')
                m.aux = 'offsetof(struct pv_%s_args, %s_ids)' % (cname, m.name)
                m.aux2 = 'offsetof(struct pv_%s_args, %s_count)' % (cname, m.name)
            elif m.kind == 'HANDLE' and m.shape in ('VALUE', 'ARRAY'):
                m.flags.add('HANDLE_OBJ')
                m.aux = 'offsetof(struct pv_%s_args, %s_obj%s)' % (
                    cname, m.name, 's' if m.shape == 'ARRAY' else '')
        ret = self.reg.canonical(cmd.ret)
        if ret != 'void' and self.kind(ret) not in ('U32', 'U64'):
            raise Unsupported('return type %s' % ret)
        return ms

    # --- selection -----------------------------------------------------
    def select(self):
        self.commands = []            # (id, protocol name, registry Command, members)
        self.skipped = []             # (id, name, reason)
        for ident, names in self.ids:
            if not names:
                continue
            cmd = None
            for n in names:
                cmd = self.reg.command(n)
                if cmd:
                    break
            if cmd is None:
                self.skipped.append((ident, names[0], 'not in this vk.xml'))
                continue
            try:
                self.commands.append((ident, names[0], cmd, self.build_command(names[0], cmd)))
            except Unsupported as e:
                self.skipped.append((ident, names[0], str(e)))
        self.with_id = set()
        for _, names in self.ids:
            self.with_id |= {self.reg.command(n).name for n in names if self.reg.command(n)}
        self.generated_cmds = {n for _, n, _, _ in self.commands}
        self.generated_cmds |= {c.name for _, _, c, _ in self.commands}
        self.select_extensions()
        self.close_types()

    def ext_blocks_ok(self, depends):
        return all(d in self.allow or d not in self.reg.extensions for d in depends)

    def select_extensions(self):
        self.covered = []
        self.ext_why = {}
        never = set()
        for _, names in self.ids:
            if set(names) & self.ex['never']:
                never |= {self.reg.command(n).name for n in names if self.reg.command(n)}
        for name in sorted(self.allow):
            ext = self.reg.extensions.get(name)
            if ext is None:
                self.ext_why[name] = 'not in this vk.xml'
                continue
            if 'vulkan' not in ext.supported or ext.provisional or ext.platform:
                self.ext_why[name] = 'not a portable vulkan extension'
                continue
            problems = []
            gen_any = False
            for c, dep in ext.commands:
                cmd = self.reg.command(c)
                if cmd is None or not self.ext_blocks_ok(dep) or cmd.name not in self.with_id:
                    continue  # without a protocol id the guest cannot send it
                if cmd.name in self.generated_cmds:
                    gen_any = True
                elif cmd.name not in never:
                    problems.append('command %s' % c)
            # the mask bit lets the guest send the extension's pNext structs;
            # other structs only travel inside commands, checked above
            for t, dep in ext.types:
                T = self.reg.types.get(t)
                if T and T.structextends and not T.alias and self.ext_blocks_ok(dep):
                    if not self.encodable(t):
                        problems.append('type %s' % t)
            if ext.from_fragment:
                problems = [] if gen_any else ['no command generated']
            if problems:
                self.ext_why[name] = ', '.join(problems[:4])
            else:
                self.covered.append(ext)

    def available(self, tname):
        origins = self.reg.type_origin.get(tname, set())
        if 'core' in origins:
            return True
        cov = {e.name for e in self.covered}
        if origins & cov:
            return True
        # promoted types keep their extension origin under the alias name
        for alias, T in self.reg.types.items():
            if T.alias == tname and (self.reg.type_origin.get(alias, set()) & (cov | {'core'})):
                return True
        return False

    def close_types(self):
        """All structs reachable from commands, plus pNext extenders."""
        extenders = {}
        for name, T in self.reg.types.items():
            if T.category == 'struct' and not T.alias:
                for parent in T.structextends:
                    extenders.setdefault(self.reg.canonical(parent), []).append(name)
        used, todo = [], []

        def add(tn):
            if tn not in used:
                used.append(tn)
                todo.append(tn)

        for _, _, _, ms in self.commands:
            for m in ms:
                if m.type_ref and m.kind in ('STRUCT', 'UNION'):
                    add(m.type_ref)
        self.pnext = {}
        while todo:
            tn = todo.pop()
            for m in self.structs[tn]:
                if m.type_ref and m.kind in ('STRUCT', 'UNION'):
                    add(m.type_ref)
            if any(m.shape == 'PNEXT' for m in self.structs[tn]):
                ok = [e for e in extenders.get(tn, [])
                      if self.available(e) and self.encodable(e)]
                self.pnext[tn] = ok
                for e in ok:
                    add(e)
        self.used_structs = sorted(used)


# ----------------------------------------------------------------- output
C_BUILTIN = set(BASE_KINDS) | {'VkFlags', 'VkFlags64', 'VkBool32', 'VkDeviceSize',
                               'VkDeviceAddress', 'VkSampleMask', 'VkStructureType'}


def c_decl(reg, d, with_const=True):
    """C declaration of a member/param with canonical type names."""
    canon = reg.canonical(d.type)
    ctype = re.sub(r'\b%s\b' % re.escape(d.type), canon, d.ctype)
    if not with_const and d.ptr == 0:
        ctype = ctype.replace('const ', '')
    dims = ''.join('[%d]' % x for x in d.dims)
    return '%s %s%s' % (ctype, d.name, dims)


class Emitter:
    def __init__(self, gen):
        self.g = gen
        self.reg = gen.reg
        self.struct_index = {n: i for i, n in enumerate(gen.used_structs)}

    # --- compat types ----------------------------------------------------
    def referenced_types(self):
        names = set()
        for s in self.g.used_structs:
            names.add(s)
            for m in self.g.structs[s]:
                if m.decl:
                    names.add(self.reg.canonical(m.decl.type))
        for _, _, cmd, _ in self.g.commands:
            names.add(self.reg.canonical(cmd.ret))
            for p in cmd.params:
                names.add(self.reg.canonical(p.type))
        return names

    def compat(self):
        hn = self.g.header_names
        if hn is None:
            return []
        missing = sorted(n for n in self.referenced_types() if n not in hn and n not in C_BUILTIN)
        out, structs = [], []
        for n in missing:
            T = self.reg.types.get(n)
            if T is None:
                continue
            if T.category == 'enum':
                out.append('typedef %s %s;' % ('uint64_t' if self.g.kind(n) == 'U64' else 'int32_t', n))
            elif T.category in ('bitmask', 'basetype'):
                out.append('typedef %s %s;' % (T.base, n))
            elif T.category == 'handle':
                out.append('%s(%s)' % ('VK_DEFINE_HANDLE' if T.dispatchable
                                       else 'VK_DEFINE_NON_DISPATCHABLE_HANDLE', n))
            elif T.category in ('struct', 'union'):
                out.append('typedef %s %s %s;' % (T.category, n, n))
                structs.append(n)
        done = set()

        def define(n):
            if n in done:
                return
            done.add(n)
            T = self.reg.types[n]
            for m in T.members:
                c = self.reg.canonical(m.type)
                if m.ptr == 0 and c in structs:
                    define(c)
            out.append('%s %s {' % (T.category, n))
            out.extend('   %s;' % c_decl(self.reg, m) for m in T.members)
            out.append('};')
        for n in structs:
            define(n)
        return out

    # --- header ------------------------------------------------------------
    def args_struct(self, name, cmd, ms):
        lines = ['struct pv_%s_args {' % name]
        for m in ms:
            lines.append('   %s;' % c_decl(self.reg, m.decl, with_const=False))
        ret = self.reg.canonical(cmd.ret)
        if ret != 'void':
            lines.append('   %s ret;' % ret)
        for m in ms:
            if 'HANDLE_OBJ' in m.flags:
                lines.append('   struct pv_object *%s_obj%s;' % (
                    m.name, 's' if m.shape == 'ARRAY' else ''))
                if m.shape == 'ARRAY':
                    lines[-1] = '   struct pv_object **%s_objs;' % m.name
            elif 'HANDLE_IDS' in m.flags:
                lines.append('   uint64_t *%s_ids;' % m.name)
                lines.append('   uint32_t %s_count;' % m.name)
        if len(lines) == 1:
            lines.append('   uint8_t unused_;')
        lines.append('};')
        return lines

    def wrappers(self, name, idx):
        a = 'struct pv_%s_args' % name
        info = '&pv_cs_commands[%d]' % idx
        return [
            'static inline bool pv_decode_%s(struct pv_cs_decoder *d, %s *a)'
            ' { return pv_cs_decode_args(d, %s, a); }' % (name, a, info),
            'static inline bool pv_encode_reply_%s(struct pv_cs_encoder *e, const %s *a)'
            ' { return pv_cs_encode_reply(e, %s, a); }' % (name, a, info),
            'static inline size_t pv_reply_size_%s(const %s *a)'
            ' { return pv_cs_reply_size(%s, a); }' % (name, a, info),
            'static inline bool pv_encode_%s(struct pv_cs_encoder *e, uint32_t flags, const %s *a)'
            ' { return pv_cs_encode_command(e, %s, flags, a); }' % (name, a, info),
            'static inline bool pv_decode_reply_%s(struct pv_cs_decoder *d, %s *a)'
            ' { return pv_cs_decode_reply(d, %s, a); }' % (name, a, info),
        ]

    def header(self, src):
        h = ['/* Generated by codegen/pv_codegen.py from %s. Do not edit. */' % src,
             '#ifndef PV_CS_GENERATED_H', '#define PV_CS_GENERATED_H', '',
             '#include "cs/pv_cs_desc.h"', '']
        compat = self.compat()
        if compat:
            h.append('/* registry types the compiler\'s Vulkan headers lack */')
            h.extend(compat)
            h.append('')
        h.append('enum pv_cs_command_id {')
        h.extend('   PV_CMD_%s = %d,' % (n, i) for i, n, _, _ in self.g.commands)
        h.append('};')
        h.append('#define PV_CS_GENERATED_COMMAND_COUNT %d' % len(self.g.commands))
        h.append('/* Which commands the registry used defines, for hand-written code that')
        h.append(' * handles one only some registries have (#ifdef PV_CS_HAS_vkFoo). */')
        h.extend('#define PV_CS_HAS_%s 1' % n for _, n, _, _ in self.g.commands)
        h.append('')
        for idx, (_, name, cmd, ms) in enumerate(self.g.commands):
            h.extend(self.args_struct(name, cmd, ms))
            h.extend(self.wrappers(name, idx))
            h.append('')
        h.append('#endif')
        return '\n'.join(h) + '\n'

    # --- tables --------------------------------------------------------------
    def row(self, m, owner, is_cmd):
        base = 'struct pv_%s_args' % owner if is_cmd else owner
        off = 'offsetof(%s, %s)' % (base, m.name) if m.decl else '0'
        if m.shape == 'STYPE':
            esize = 'sizeof(VkStructureType)'
        elif m.shape in ('PNEXT', 'ALLOCATOR'):
            esize = 'sizeof(void *)'
        elif m.shape == 'STRINGS':
            esize = 'sizeof(char *)'
        elif m.kind in ('BLOB', 'INVALID') or m.ctype is None:
            esize = '1'
        else:
            esize = 'sizeof(%s)' % m.ctype
        if m.kind in ('STRUCT', 'UNION'):
            tref = self.struct_index[m.type_ref]
        else:
            tref = m.type_ref or 0
        flags = '|'.join('PV_CS_F_%s' % f for f in sorted(m.flags)) or '0'
        return ('   {"%s", %s, %s, %s, %s, %du, %du, %du, %d, %s, %d, PV_CS_K_%s, PV_CS_S_%s, %s, '
                'PV_CS_L_%s, %d, %d, %d, PV_CS_C_%s, %d, %d, 0x%xu},'
                % (m.name, off, esize, m.aux, m.aux2, m.len_const, m.cond_value & 0xffffffff,
                   tref & 0xffffffff, m.len_member, m.len_off, m.cond_member, m.kind, m.shape,
                   flags, m.len_kind, m.len_size, m.len_add, m.len_div, m.cond, m.enum,
                   m.req_member, m.req_mask))

    def source(self, src):
        g, reg = self.g, self.reg
        c = ['/* Generated by codegen/pv_codegen.py from %s. Do not edit. */' % src,
             '#include <stddef.h>', '#include "cs/pv_cs_generated.h"', '']
        members, structs, pnext, cmds = [], [], [], []
        for name in g.used_structs:
            T = reg.types[name]
            ms = g.structs[name]
            first = len(members)
            members.extend(self.row(m, name, False) for m in ms)
            ext = [self.struct_index[e] for e in g.pnext.get(name, [])]
            stype = 0
            st = [m for m in ms if m.shape == 'STYPE']
            if st:
                stype = reg.enum_values[st[0].decl.values]
            dflt = g.ex['union_default'].get(name, 0)
            structs.append('   {"%s", sizeof(%s), %d, %d, %d, %d, %d, %d, %d, 0, %d},'
                           % (name, name, stype, first, len(ms), len(pnext), len(ext),
                              1 if st else 0, 1 if T.category == 'union' else 0, dflt))
            pnext.extend(ext)
        index = {}
        for idx, (ident, name, cmd, ms) in enumerate(g.commands):
            first = len(members)
            members.extend(self.row(m, name, True) for m in ms)
            ret = reg.canonical(cmd.ret)
            has_ret = ret != 'void'
            cat = 'TRANSPORT' if name.endswith('MESA') else 'INSTANCE'
            if cmd.params and reg.canonical(cmd.params[0].type) in DISPATCH:
                cat = DISPATCH[reg.canonical(cmd.params[0].type)]
            cmds.append('   {"%s", %d, sizeof(struct pv_%s_args), %d, %d, %s, PV_CS_K_%s, %s, %s, PV_CS_CAT_%s},'
                        % (name, ident, name, first, len(ms),
                           'offsetof(struct pv_%s_args, ret)' % name if has_ret else '0',
                           g.kind(ret) if has_ret else 'U32',
                           'sizeof(%s)' % ret if has_ret else '0',
                           'true' if has_ret else 'false', cat))
            index[ident] = idx + 1
        c.append('const struct pv_cs_member pv_cs_members[] = {')
        c.extend(members or ['   {0}'])
        c.append('};')
        c.append('const struct pv_cs_struct pv_cs_structs[] = {')
        c.extend(structs or ['   {0}'])
        c.append('};')
        c.append('const uint16_t pv_cs_pnext[] = {')
        c.extend(['   ' + ', '.join(str(x) for x in pnext[i:i + 16]) + ','
                  for i in range(0, len(pnext), 16)] or ['   0'])
        c.append('};')
        # enum value sets, each sorted (signed) for a binary search
        values = []
        c.append('const struct pv_cs_enum pv_cs_enums[] = {')
        for name, zero in g.enums:
            vs = {v if v < 0x80000000 else v - (1 << 32)
                  for v in reg.enum_members.get(name, ())}
            vs = sorted(vs | ({0} if zero else set()))
            c.append('   {"%s", %d, %d},' % (name, len(values), len(vs)))
            values.extend(vs)
        if not g.enums:
            c.append('   {0}')
        c.append('};')
        c.append('const uint32_t pv_cs_enum_count = %d;' % len(g.enums))
        c.append('const int32_t pv_cs_enum_values[] = {')
        c.extend(['   ' + ', '.join('%d' % x if x != -(1 << 31) else '(-2147483647 - 1)'
                                  for x in values[i:i + 12]) + ','
                  for i in range(0, len(values), 12)] or ['   0'])
        c.append('};')
        c.append('const struct pv_cs_command_info pv_cs_commands[] = {')
        c.extend(cmds)
        c.append('};')
        c.append('const uint32_t pv_cs_command_count = %d;' % len(cmds))
        top = max(i for i, _ in g.ids) + 1
        c.append('const uint16_t pv_cs_command_index[%d] = {' % top)
        vals = [str(index.get(i, 0)) for i in range(top)]
        c.extend('   ' + ', '.join(vals[i:i + 16]) + ',' for i in range(0, top, 16))
        c.append('};')
        c.append('const uint32_t pv_cs_command_id_count = %d;' % top)
        mask = [0] * 32
        mask[0] = 1
        for e in g.covered:
            if e.number < 1024:
                mask[e.number // 32] |= 1 << (e.number % 32)
        c.append('const uint32_t pv_cs_extension_mask[32] = {')
        c.extend('   ' + ', '.join('0x%08xu' % x for x in mask[i:i + 8]) + ',' for i in range(0, 32, 8))
        c.append('};')
        c.append('const uint32_t pv_cs_vk_xml_version = 0x%08xu;' % reg.vk_xml_version())
        c.append('const struct pv_cs_extension pv_cs_extensions[] = {')
        for e in sorted(g.covered, key=lambda e: e.name):
            # never above what the protocol knows (protocol/extensions)
            sv = min(e.spec_version, g.allow.get(e.name) or e.spec_version)
            c.append('   {"%s", %d, %d},' % (e.name, e.number, sv))
        c.append('};')
        c.append('const uint32_t pv_cs_extension_count = %d;' % len(g.covered))
        self.counts = (len(members), len(structs), len(cmds))
        return '\n'.join(c) + '\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--xml', required=True)
    ap.add_argument('--protocol-dir', required=True)
    ap.add_argument('--vk-header', action='append', default=[])
    ap.add_argument('--out-h', required=True)
    ap.add_argument('--out-c', required=True)
    ap.add_argument('--report')
    ap.add_argument('--out-fast', help='the fast decoders (pv_gen_fast.py)')
    args = ap.parse_args()
    t0 = time.time()
    pd = args.protocol_dir
    reg = Registry(args.xml, os.path.join(pd, 'venus_protocol.xml'))
    gen = Gen(reg, read_command_ids(os.path.join(pd, 'command_ids')),
              read_extension_list(os.path.join(pd, 'extensions')),
              read_exceptions(os.path.join(pd, 'exceptions')),
              scan_header_names(args.vk_header))
    gen.select()
    em = Emitter(gen)
    src = os.path.basename(args.xml)
    h, c = em.header(src), em.source(src)
    fe = FastEmitter(gen)
    fast = fe.source(src)
    outs = [(args.out_h, h), (args.out_c, c)]
    if args.out_fast:
        outs.append((args.out_fast, fast))
    for path, text in outs:
        with open(path, 'w') as f:
            f.write(text)
    if args.report:
        write_report(args.report, reg, gen, em, time.time() - t0, h, c, fe, fast)


def write_report(path, reg, gen, em, secs, h, c, fe, fast):
    nm, ns, nc = em.counts
    lines = ['registry version 0x%08x (1.%d.%d)' % (reg.vk_xml_version(),
                                                    (reg.vk_xml_version() >> 12) & 0x3ff,
                                                    reg.vk_xml_version() & 0xfff),
             'commands generated: %d' % nc,
             'structs/unions: %d, member rows: %d' % (ns, nm),
             'extensions covered: %d' % len(gen.covered),
             'generated lines: header %d, source %d, fast decoders %d' % (
                 h.count('\n'), c.count('\n'), fast.count('\n')),
             'fast decoders: %d of %d vkCmd* commands' % (fe.count, fe.vk_cmd_count),
             'generation time: %.2f s' % secs, '', 'commands not generated:']
    lines += ['  %3d %s: %s' % s for s in gen.skipped]
    lines += ['', 'extensions of the protocol not covered:']
    lines += ['  %s: %s' % kv for kv in sorted(gen.ext_why.items())]
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Generates the renderer's mechanical handlers (src/renderer) from vk.xml.

For every protocol command that has generated arguments (pv_cs_generated.h)
and no hand-written handler (src/renderer/handlers.h), emit one of:

  * a pass-through: find the host dispatch table through the first
    (dispatchable) parameter's object, call the host function;
  * a create: call the host, then bind each new handle to the guest id the
    guest chose (pool-allocated objects remember their pool);
  * a destroy/free: unbind the guest id (and a pool's children), then call.

Also emitted, in a file of their own (pv_tables_gen.c, a layer below the
handlers: vk/ in docs/DESIGN.md): the per-device and per-instance dispatch
tables of host function pointers (loaded through vkGet*ProcAddr, trying
promoted and aliased names), the teardown of any device child by object
type, and which bind point each draw or dispatch uses (for the
pipeline_bound guard).

Standard library only.  Run by Meson; output goes to the build directory.
"""

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from registry import Registry  # noqa: E402

INSTANCE_LEVEL = ('VkInstance', 'VkPhysicalDevice')
DEVICE_LEVEL = ('VkDevice', 'VkQueue', 'VkCommandBuffer')

# Commands never handled mechanically: the guest must not send them.
#   vkGetDeviceQueue: queues get ids through vkGetDeviceQueue2 (PROTOCOL §7);
#   vkUnmapMemory: the guest maps blobs, never host memory (§6);
#   vkGetMemoryHostPointerPropertiesEXT: a guest pointer means nothing here.
FORBIDDEN = {'vkGetDeviceQueue', 'vkUnmapMemory', 'vkGetMemoryHostPointerPropertiesEXT'}

# Pool allocations: (parent expression, pool object type).
POOL_ALLOC = {
    'vkAllocateCommandBuffers': 'a->pAllocateInfo->commandPool',
    'vkAllocateDescriptorSets': 'a->pAllocateInfo->descriptorPool',
}
# Commands that free every child of a pool (the pool is the param named).
POOL_RESET = {'vkResetDescriptorPool': 'descriptorPool'}
# Commands that need a bound pipeline (or shader objects) at a bind point:
# drivers trust that one is, and lavapipe dereferences NULL otherwise.  The
# pipeline_bound guard checks it (pv_gen_draw_bind_point, in the tables).
NEEDS_PIPELINE = {}
for _name in ('vkCmdDraw', 'vkCmdDrawIndexed', 'vkCmdDrawIndirect', 'vkCmdDrawIndexedIndirect',
              'vkCmdDrawIndirectCount', 'vkCmdDrawIndexedIndirectCount', 'vkCmdDrawMultiEXT',
              'vkCmdDrawMultiIndexedEXT', 'vkCmdDrawIndirectByteCountEXT',
              'vkCmdDrawMeshTasksEXT', 'vkCmdDrawMeshTasksIndirectEXT',
              'vkCmdDrawMeshTasksIndirectCountEXT'):
    NEEDS_PIPELINE[_name] = 'VK_PIPELINE_BIND_POINT_GRAPHICS'
for _name in ('vkCmdDispatch', 'vkCmdDispatchBase', 'vkCmdDispatchIndirect'):
    NEEDS_PIPELINE[_name] = 'VK_PIPELINE_BIND_POINT_COMPUTE'

# Pool frees: the array parameter whose objects go away.
POOL_FREE = {'vkFreeCommandBuffers': 'pCommandBuffers',
             'vkFreeDescriptorSets': 'pDescriptorSets'}


def read_command_ids(path):
    out = []
    for line in open(path):
        words = line.split('#')[0].split()
        if len(words) >= 2 and words[1] != '-':
            out.append((int(words[0]), words[1], words[2:]))
    return out


def read_args_structs(path):
    """name -> list of field names of struct pv_<name>_args."""
    text = open(path).read()
    out = {}
    for m in re.finditer(r'struct pv_(vk\w+)_args \{(.*?)\n\};', text, re.S):
        fields = re.findall(r'(\w+)(?:\[[^\]]*\])?;\s*$', m.group(2), re.M)
        out[m.group(1)] = fields
    return out


def read_handwritten(path):
    return set(re.findall(r'X\("[^"]*", (vk\w+)\)', open(path).read()))


def param_decl(p, name=None):
    dims = ''.join('[%s]' % d for d in p.dims) if p.dims else ''
    return '%s %s%s' % (p.ctype, name or p.name, dims)


class Gen:
    def __init__(self, reg, ids, args, handwritten):
        self.reg = reg
        self.ids = ids
        self.args = args
        self.handwritten = handwritten
        self.alias_of = {}
        for alias, target in reg.cmd_alias.items():
            self.alias_of.setdefault(reg.command(alias).name if reg.command(alias) else target,
                                     []).append(alias)
        self.table = {'instance': [], 'device': []}  # (name, Command)
        self.proc_names = {}  # protocol name -> every name the host may export it as
        self.handlers = []   # (id, name)
        self.destroyers = {}  # object type enum -> table member

    def objtype(self, tname):
        t = self.reg.types.get(self.reg.canonical(tname))
        return t.objtype if t is not None else None

    def level(self, cmd):
        if not cmd.params:
            return None
        t = cmd.params[0].type
        if t in INSTANCE_LEVEL:
            return 'instance'
        if t in DEVICE_LEVEL:
            return 'device'
        return None

    def resolve(self, names):
        """The registry's command for a protocol id line: older registries
        know a promoted command only by its extension name."""
        for n in names:
            cmd = self.reg.command(n)
            if cmd is not None:
                return cmd
        return None

    def collect(self):
        for ident, name, aliases in self.ids:
            cmd = self.resolve([name] + aliases)
            if cmd is None or name not in self.args or self.level(cmd) is None:
                continue
            names = [name] + aliases + [cmd.name] + self.alias_of.get(cmd.name, [])
            self.proc_names[name] = list(dict.fromkeys(names))
            if name.endswith('MESA'):
                continue  # protocol commands: hand-written or unsupported
            self.table[self.level(cmd)].append((name, cmd))
            if name.startswith('vkDestroy') and len(cmd.params) >= 2:
                ot = self.objtype(cmd.params[1].type)
                if ot and self.level(cmd) == 'device':
                    self.destroyers[ot] = name
            if name in self.handwritten or name in FORBIDDEN:
                continue
            self.handlers.append((ident, name, cmd))

    # ---- header --------------------------------------------------------
    def header(self):
        out = ['/* Generated by codegen/pv_gen_handlers.py — do not edit. */',
               '#ifndef PV_HANDLERS_GEN_H', '#define PV_HANDLERS_GEN_H', '',
               '#include "cs/pv_cs_generated.h"', '']
        for level in ('instance', 'device'):
            for name, cmd in self.table[level]:
                params = ', '.join(param_decl(p) for p in cmd.params)
                out.append('typedef %s (VKAPI_PTR *pv_pfn_%s)(%s);' % (cmd.ret, name, params))
            out.append('')
            out.append('/* Host entry points of the %s-level commands. */' % level)
            out.append('struct pv_vk_%s_table {' % level)
            for name, _ in self.table[level]:
                out.append('   pv_pfn_%s %s;' % (name, name[2:]))
            out.append('};')
            out.append('')
        out += [
            '/* Load every entry point (NULL where the host lacks it). */',
            'void pv_vk_instance_table_load(struct pv_vk_instance_table *t, VkInstance instance);',
            'void pv_vk_device_table_load(struct pv_vk_device_table *t, VkDevice device);',
            '',
            'struct pv_dispatcher;',
            'typedef void (*pv_handler_fn)(struct pv_dispatcher *d, void *args);',
            '/* Generated handlers by command id; NULL where none. */',
            'extern const pv_handler_fn pv_generated_handlers[%d];' % self.id_count(),
            '',
            'struct pv_device;',
            'struct pv_vk_object;',
            '/* Destroy the host object of a device child (not pool children). */',
            'void pv_gen_destroy_host_object(struct pv_device *dev, struct pv_vk_object *obj);',
            '',
            '/* The bind point whose pipeline a draw or dispatch command uses, or -1',
            ' * for other commands. */',
            'int pv_gen_draw_bind_point(uint32_t command_id);',
            '',
            '#endif']
        return '\n'.join(out) + '\n'

    def id_count(self):
        return max(i for i, _, _ in self.ids) + 1

    # ---- source --------------------------------------------------------
    def loaders(self):
        out = []
        for level, handle in (('instance', 'VkInstance'), ('device', 'VkDevice')):
            var = level
            out.append('void')
            out.append('pv_vk_%s_table_load(struct pv_vk_%s_table *t, %s %s)' %
                       (level, level, handle, var))
            out.append('{')
            for name, _ in self.table[level]:
                names = self.proc_names[name]
                quoted = ', '.join('"%s"' % n for n in names)
                out.append('   t->%s = (pv_pfn_%s)pv_gen_%s_proc(%s, %s, NULL);' %
                           (name[2:], name, level, var, quoted))
            out.append('}')
            out.append('')
        return out

    def call(self, name, cmd, level):
        args = []
        for p in cmd.params:
            args.append('NULL' if p.name == 'pAllocator' else 'a->' + p.name)
        fn = '%s->table.%s(%s)' % ('dev' if level == 'device' else 'inst', name[2:],
                                   ', '.join(args))
        return ('a->ret = ' if cmd.ret != 'void' else '') + fn + ';'

    def handler(self, ident, name, cmd):
        level = self.level(cmd)
        first = cmd.params[0].name
        fields = set(self.args[name])
        member = name[2:]
        body = ['   struct pv_%s_args *a = p;' % name]
        if level == 'device':
            body.append('   struct pv_device *dev = pv_gen_device(d, a->%s_obj, '
                        'offsetof(struct pv_vk_device_table, %s));' % (first, member))
            body.append('   if (!dev)\n      return;')
        else:
            body.append('   struct pv_instance *inst = pv_gen_instance(d, a->%s_obj, '
                        'offsetof(struct pv_vk_instance_table, %s));' % (first, member))
            body.append('   if (!inst)\n      return;')
        # unbind before a destroy/free: the guest id dies with the object
        if name.startswith('vkDestroy') and len(cmd.params) >= 2 and \
                cmd.params[1].name + '_obj' in fields:
            body.append('   pv_gen_unbind(d, a->%s_obj);' % cmd.params[1].name)
        if name in POOL_FREE:
            arr = POOL_FREE[name]
            count = [p for p in cmd.params if p.name == arr][0].len
            body.append('   for (uint32_t i = 0; a->%s_objs && i < a->%s; i++)' % (arr, count))
            body.append('      pv_gen_unbind(d, a->%s_objs[i]);' % arr)
        queue = cmd.params[0].type == 'VkQueue'
        if queue:
            body.append('   pv_gen_queue_lock(a->%s_obj);' % first)
        body.append('   ' + self.call(name, cmd, level))
        if queue:
            body.append('   pv_gen_queue_unlock(a->%s_obj);' % first)
        if name in POOL_RESET:
            body.append('   pv_gen_unbind_children(d, dev, (uint64_t)a->%s);' % POOL_RESET[name])
        for p in cmd.params:
            if p.name + '_ids' not in fields:
                continue
            ot = self.objtype(p.type)
            if not ot:
                raise SystemExit('%s: output handle %s has no object type' % (name, p.name))
            parent = POOL_ALLOC.get(name, '0')
            parent = '(uint64_t)%s' % parent if parent != '0' else '0'
            ret = 'a->ret' if cmd.ret == 'VkResult' else 'VK_SUCCESS'
            body.append('   pv_gen_bind(d, dev, %s, %s, a->%s_ids, a->%s, sizeof(*a->%s), '
                        'a->%s_count, %s);' % (ret, ot, p.name, p.name, p.name, p.name, parent))
        out = ['static void', 'gen_%s(struct pv_dispatcher *d, void *p)' % name, '{']
        out += body
        out += ['}', '']
        return out

    def destroy_switch(self):
        out = ['void', 'pv_gen_destroy_host_object(struct pv_device *dev, struct pv_vk_object *obj)',
               '{', '   switch (obj->base.type) {']
        for ot, name in sorted(self.destroyers.items()):
            cmd = dict(self.table['device'])[name]
            out.append('   case %s:' % ot)
            out.append('      if (dev->table.%s)' % name[2:])
            out.append('         dev->table.%s(dev->handle, (%s)obj->base.handle, NULL);' %
                       (name[2:], cmd.params[1].type))
            out.append('      break;')
        out += ['   default:', '      break;', '   }', '}', '']
        return out

    def draw_switch(self):
        out = ['int', 'pv_gen_draw_bind_point(uint32_t command_id)', '{', '   switch (command_id) {']
        for ident, name, _ in self.ids:
            if name in NEEDS_PIPELINE:
                out.append('   case %d: /* %s */' % (ident, name))
                out.append('      return %s;' % NEEDS_PIPELINE[name])
        out += ['   default:', '      return -1;', '   }', '}', '']
        return out

    def tables(self, header_name):
        """Host dispatch tables and per-type facts: below every handler."""
        out = ['/* Generated by codegen/pv_gen_handlers.py — do not edit. */',
               '#include "renderer/%s"' % header_name, '',
               '#include <stddef.h>', '',
               '#include "renderer/vk/passthrough.h"', '']
        out += self.loaders()
        out += self.destroy_switch()
        out += self.draw_switch()
        return '\n'.join(out) + '\n'

    def source(self, header_name):
        out = ['/* Generated by codegen/pv_gen_handlers.py — do not edit. */',
               '#include "renderer/%s"' % header_name, '',
               '#include <stddef.h>', '',
               '#include "renderer/objects/object_free.h"',
               '#include "renderer/vk/passthrough.h"', '']
        for ident, name, cmd in self.handlers:
            out += self.handler(ident, name, cmd)
        out.append('const pv_handler_fn pv_generated_handlers[%d] = {' % self.id_count())
        for ident, name, _ in self.handlers:
            out.append('   [%d] = gen_%s,' % (ident, name))
        out.append('};')
        out.append('')
        return '\n'.join(out) + '\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--xml', required=True)
    ap.add_argument('--protocol-dir', required=True)
    ap.add_argument('--args-h', required=True, help='pv_cs_generated.h')
    ap.add_argument('--handwritten', required=True, help='src/renderer/handlers.h')
    ap.add_argument('--out-h', required=True)
    ap.add_argument('--out-c', required=True, help='the handlers')
    ap.add_argument('--out-tables', required=True, help='dispatch tables and per-type facts')
    opt = ap.parse_args()
    reg = Registry(opt.xml, os.path.join(opt.protocol_dir, 'venus_protocol.xml'))
    gen = Gen(reg, read_command_ids(os.path.join(opt.protocol_dir, 'command_ids')),
              read_args_structs(opt.args_h), read_handwritten(opt.handwritten))
    gen.collect()
    with open(opt.out_h, 'w') as f:
        f.write(gen.header())
    with open(opt.out_c, 'w') as f:
        f.write(gen.source(os.path.basename(opt.out_h)))
    with open(opt.out_tables, 'w') as f:
        f.write(gen.tables(os.path.basename(opt.out_h)))


if __name__ == '__main__':
    main()

"""Fast decoders (pv_cs_fast.c): one straight-line function per command
whose common shape is simple enough, over the model pv_codegen.py built.

The table engine (src/cs/pv_cs_exec.c) stays the definition of what a
command may carry.  A fast decoder accepts a subset of it — no pNext
chain (the marker must be 0), no NULL the engine would have to judge,
members without encode_if/require_if rules, unions only when tagged by
their own u32, no strings or count pointers — and gives up on anything
else, so the engine decodes the same bytes again (src/cs/pv_cs_fast.h says
how).  Within that subset it must produce exactly the engine's arguments:
test_roundtrip and fuzz_decoder compare the two.

Only commands the guest records into command buffers (vkCmd*) get one:
they are the bulk of every stream, and it keeps the generated file small.
"""

SCALAR32 = ('U8', 'U16', 'U32')
SCALAR64 = ('U64', 'SIZE')


class FastEmitter:
    def __init__(self, gen):
        self.g = gen
        self.reg = gen.reg
        self.memo = {}       # struct name -> True/False (None while in progress)
        self.order = []      # fast structs, dependencies first
        self.why = {}        # command -> reason it has no fast decoder

    # --- what qualifies ---------------------------------------------------
    def member_ok(self, m, sibs):
        if m.cond != 'NONE' or 'REQ_IF' in m.flags or 'OUT' in m.flags or 'HANDLE_IDS' in m.flags:
            return False
        if m.shape in ('STYPE', 'PNEXT', 'ALLOCATOR'):
            return True
        if m.kind == 'INVALID':
            return False
        # a union tagged by its own u32 (VkClearValue), not by a sibling's value
        if m.kind == 'UNION' and 'SELECTOR' in m.flags:
            return False
        if m.kind in ('STRUCT', 'UNION') and not self.struct_ok(m.type_ref):
            return False
        if m.shape in ('VALUE', 'PTR'):
            return m.kind != 'BLOB'
        if m.shape == 'FIXED':
            return m.kind != 'HANDLE'
        if m.shape == 'ARRAY':
            if m.len_kind == 'CONST':
                return True
            return m.len_kind == 'MEMBER' and sibs[m.len_member].shape == 'VALUE'
        return False

    def struct_ok(self, name):
        if name in self.memo:
            return self.memo[name] is True
        self.memo[name] = None
        ms = self.g.structs[name]
        T = self.reg.types[name]
        if T.category == 'union':
            # a member the protocol cannot carry is a tag the decoder refuses
            ok = all(m.kind == 'INVALID' or self.member_ok(m, ms) for m in ms)
        else:
            ok = all(self.member_ok(m, ms) for m in ms)
        self.memo[name] = ok
        if ok:
            self.order.append(name)
        return ok

    def command_ok(self, name, ms):
        if not name.startswith('vkCmd'):
            return False
        return all(self.member_ok(m, ms) for m in ms)

    # --- code -------------------------------------------------------------
    @staticmethod
    def count_expr(m, sibs, base):
        """The count an array member must have: lines computing it, and its
        expression."""
        if m.len_kind == 'CONST':
            return [], '%du' % m.len_const
        src = '(uint64_t)%s%s' % (base, sibs[m.len_member].name)
        if m.len_add == 0 and m.len_div in (0, 1):
            return [], src
        return (['if (!pvf_len(%s, %du, %du, &want))' % (src, m.len_add, m.len_div or 1),
                 '   return false;'], 'want')

    def elem(self, m, dst, obj=None):
        """Code that decodes one element of member m into lvalue dst."""
        if m.kind in SCALAR32:
            return 'pvf_s32(f, &%s, sizeof(%s), %d)' % (dst, dst, m.enum)
        if m.kind in SCALAR64:
            return 'pvf_s64(f, &%s, sizeof(%s))' % (dst, dst)
        if m.kind == 'HANDLE':
            # an array's elements by ELEMS_REQUIRED alone (REQUIRED is the array's)
            req = 'ELEMS_REQUIRED' in m.flags or (m.shape != 'ARRAY' and 'REQUIRED' in m.flags)
            req = 'true' if req else 'false'
            return 'pvf_handle(f, (VkObjectType)%d, %s, &%s, sizeof(%s), %s)' % (
                m.type_ref, req, dst, dst, obj or 'NULL')
        if m.kind in ('STRUCT', 'UNION'):
            return 'fast_%s(f, &%s)' % (m.type_ref, dst)
        raise AssertionError(m.kind)

    def member(self, m, sibs, base, obj_field=None):
        """Lines decoding member m of the object at `base` ('a->' or 's->')."""
        field = base + m.name
        if m.shape == 'STYPE':
            v = self.reg.enum_values[m.decl.values]
            return ['if (!pvf_u32(f, &v32) || v32 != %du)' % v, '   return false;',
                    '%s = (VkStructureType)v32;' % field]
        if m.shape in ('PNEXT', 'ALLOCATOR'):
            return ['if (!pvf_null(f))', '   return false;']
        if m.shape == 'VALUE':
            obj = '&%s_obj' % field if obj_field else None
            return ['if (!%s)' % self.elem(m, field, obj), '   return false;']
        if m.shape == 'FIXED':
            lines = ['if (!pvf_count(f, %du, &n))' % m.len_const, '   return false;']
            if m.kind == 'U8':
                return lines + ['if (!pvf_fixed_bytes(f, %s, %du))' % (field, m.len_const),
                                '   return false;']
            return lines + ['for (uint32_t i = 0; i < %du; i++)' % m.len_const,
                            '   if (!%s)' % self.elem(m, '%s[i]' % field), '      return false;']
        if m.shape == 'PTR':
            req = 'REQUIRED' in m.flags
            return ['if (!pvf_u64(f, &n) || (!n && %s))' % ('true' if req else 'false'),
                    '   return false;',
                    'if (n) {',
                    '   %s *v = pv_cs_alloc(f->d, 1, sizeof(*v));' % m.ctype,
                    '   if (!v || !%s)' % self.elem(m, '*v'),
                    '      return false;',
                    '   %s = (void *)v;' % field,
                    '}']
        # ARRAY
        lines, expr = self.count_expr(m, sibs, base)
        lines += ['if (!pvf_count(f, %s, &n))' % expr, '   return false;', 'if (n) {']
        if m.kind in ('BLOB', 'U8'):
            lines += ['   void *v;', '   if (!pvf_bytes(f, n, &v))', '      return false;',
                      '   %s = v;' % field, '}']
            return lines
        wire = 8 if m.kind == 'HANDLE' else 1
        lines += ['   %s *v = pvf_alloc(f, n, sizeof(*v), %d);' % (m.ctype, wire)]
        if obj_field:
            lines += ['   struct pv_object **o = v ? pv_cs_alloc(f->d, (size_t)n, sizeof(*o)) : NULL;',
                      '   if (!o)', '      return false;']
        else:
            lines += ['   if (!v)', '      return false;']
        lines += ['   for (uint64_t i = 0; i < n; i++)',
                  '      if (!%s)' % self.elem(m, 'v[i]', '&o[i]' if obj_field else None),
                  '         return false;',
                  '   %s = (void *)v;' % field]
        if obj_field:
            lines += ['   %s_objs = o;' % field]
        lines += ['}']
        return lines

    @staticmethod
    def locals_for(body):
        text = '\n'.join(body)
        out = []
        if 'v32' in text:
            out.append('   uint32_t v32;')
        if '&n' in text:
            out.append('   uint64_t n;')
        if '&want' in text:
            out.append('   uint64_t want;')
        return out

    def union_fn(self, name):
        """A union tagged by its own u32: the tag is the member's index."""
        ms = self.g.structs[name]
        body = ['if (!pvf_u32(f, &tag))', '   return false;', 'switch (tag) {']
        for j, m in enumerate(ms):
            if m.kind == 'INVALID':
                continue
            body += ['case %d: {' % j]
            body += ['   ' + b for b in self.member(m, ms, 's->')]
            body += ['   return true;', '}']
        body += ['default:', '   return false;', '}']
        lines = ['static bool', 'fast_%s(struct pvf *f, %s *s)' % (name, name), '{',
                 '   uint32_t tag;']
        lines += self.locals_for(body)
        lines += ['   ' + b for b in body]
        lines += ['}', '']
        return lines

    def struct_fn(self, name):
        if self.reg.types[name].category == 'union':
            return self.union_fn(name)
        ms = self.g.structs[name]
        body = []
        for m in ms:
            body += self.member(m, ms, 's->')
        lines = ['static bool', 'fast_%s(struct pvf *f, %s *s)' % (name, name), '{']
        lines += self.locals_for(body)
        lines += ['   ' + b for b in body]
        lines += ['   return true;', '}', '']
        return lines

    def command_fn(self, name, ms):
        body = []
        for m in ms:
            body += self.member(m, ms, 'a->', obj_field='HANDLE_OBJ' in m.flags)
        lines = ['static bool', 'fast_%s(struct pvf *f, void *args)' % name, '{',
                 '   struct pv_%s_args *a = args;' % name]
        lines += self.locals_for(body)
        lines += ['   memset(a, 0, sizeof(*a));']
        lines += ['   ' + b for b in body]
        lines += ['   return true;', '}', '']
        return lines

    def used_structs(self, cmds, fast):
        used = set()

        def walk(ms):
            for m in ms:
                if m.kind in ('STRUCT', 'UNION') and m.type_ref not in used:
                    used.add(m.type_ref)
                    walk(self.g.structs[m.type_ref])
        for name, ms in cmds:
            if name in fast:
                walk(ms)
        return [s for s in self.order if s in used]

    def source(self, src):
        cmds = [(name, ms) for _, name, _, ms in self.g.commands]
        fast = {name for name, ms in cmds if self.command_ok(name, ms)}
        self.order = self.used_structs(cmds, fast)
        c = ['/* Generated by codegen/pv_gen_fast.py from %s. Do not edit. */' % src,
             '#include <stddef.h>', '#include "cs/pv_cs_generated.h"', '#include "cs/pv_cs_fast.h"', '']
        c += ['static bool fast_%s(struct pvf *f, %s *s);' % (s, s) for s in self.order]
        c.append('')
        for s in self.order:
            c += self.struct_fn(s)
        for name, ms in cmds:
            if name in fast:
                c += self.command_fn(name, ms)
        c.append('const pv_cs_fast_fn pv_cs_fast_decoders[] = {')
        c += ['   %s,' % ('fast_' + name if name in fast else 'NULL') for name, _ in cmds]
        c.append('};')
        self.count = len(fast)
        self.vk_cmd_count = sum(1 for name, _ in cmds if name.startswith('vkCmd'))
        return '\n'.join(c) + '\n'

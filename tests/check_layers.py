#!/usr/bin/env python3
"""The renderer's layering, checked on the built objects (docs/DESIGN.md).

Reads the symbols every object file of the renderer library defines and
uses (nm), and fails when
  * a file calls into a layer above its own (each layer is blind to the
    ones above it: core < spirv < vk < objects < guards < top), or
  * a cycle of files referring to each other is longer than MAX_CYCLE.
Prints the layers, the largest cycles and any violation.

usage: check_layers.py BUILD_DIR   (the meson build directory)
Standard library only; needs nm (binutils).
"""
import glob
import json
import os
import subprocess
import sys

MAX_CYCLE = 4
LAYERS = ['core', 'spirv', 'vk', 'objects', 'guards', 'top']
# Generated files: the dispatch tables sit with the Vulkan services, the
# generated handlers with the hand-written ones.
GENERATED = {'pv_tables_gen': 'vk', 'pv_formats_gen': 'vk', 'pv_handlers_gen': 'objects'}


def sources_of(build):
    """object path -> its source, relative to src/renderer/ (from meson's
    compile_commands.json; generated sources keep their file name)"""
    with open(os.path.join(build, 'compile_commands.json')) as f:
        cmds = json.load(f)
    out = {}
    for c in cmds:
        src = os.path.normpath(os.path.join(c['directory'], c['file']))
        obj = os.path.normpath(os.path.join(c['directory'], c['output']))
        marker = os.sep + os.path.join('src', 'renderer') + os.sep
        out[obj] = src.split(marker, 1)[1] if marker in src else os.path.basename(src)
    return out


def unit_name(source):
    """source under src/renderer/ -> (name, layer)"""
    name = source[:-2] if source.endswith('.c') else source
    base = os.path.basename(name)
    if base in GENERATED:
        return base, GENERATED[base]
    folder = os.path.dirname(name)
    return name, folder if folder in LAYERS else 'top'


def symbols(path):
    out = subprocess.run(['nm', path], capture_output=True, text=True, check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in 'TDBRV':
            defined.add(parts[2])
        elif len(parts) == 2 and parts[0] == 'U':
            used.add(parts[1])
    return defined, used


def strongly_connected(graph):
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]

    def visit(v):  # iterative Tarjan would do; the graph is small
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(comps, key=len, reverse=True)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    objs = sorted(glob.glob(os.path.join(sys.argv[1], 'src/renderer/libpv_renderer.a.p/*.o')))
    if not objs:
        sys.exit('check_layers: no renderer objects under %s (build first)' % sys.argv[1])
    sources = sources_of(sys.argv[1])
    layer_of, defs, uses = {}, {}, {}
    for o in objs:
        name, layer = unit_name(sources[os.path.normpath(os.path.abspath(o))])
        layer_of[name] = layer
        defs[name], uses[name] = symbols(o)
    owner = {s: n for n, ds in defs.items() for s in ds}
    graph = {n: set() for n in defs}
    bad = []
    for n in sorted(defs):
        for s in sorted(uses[n]):
            m = owner.get(s)
            if not m or m == n:
                continue
            graph[n].add(m)
            if LAYERS.index(layer_of[m]) > LAYERS.index(layer_of[n]):
                bad.append('%s (%s) calls %s of %s (%s), a layer above' %
                           (n, layer_of[n], s, m, layer_of[m]))
    for layer in LAYERS:
        print('%-8s %s' % (layer + ':', ' '.join(sorted(n for n in defs if layer_of[n] == layer))))
    comps = [c for c in strongly_connected(graph) if len(c) > 1]
    print('cycles: %s' % ('; '.join('%d (%s)' % (len(c), ' '.join(c)) for c in comps) or 'none'))
    largest = len(comps[0]) if comps else 1
    if largest > MAX_CYCLE:
        bad.append('the largest cycle has %d files (at most %d)' % (largest, MAX_CYCLE))
    for b in bad:
        print('LAYERING: ' + b)
    print('layers: %d files, largest cycle %d, %d violations' % (len(defs), largest, len(bad)))
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets from real guest captures.

    fuzz/make_corpus.py [CAPTURES_DIR]    (default: ../shared/captures)

Each seed is a real Venus stream (records of ../shared/captures, which
Mesa 26.2's venus driver sent) in the input format of one target:

  corpus/decoder/  whole records (command streams), as the decoder sees them
  corpus/execute/  mode byte + ring records of a session, for
                   pv_context_submit (fuzz_execute.c)
  corpus/ring/     ring header + the session's ring records as publish
                   steps (fuzz_ring.c)
  corpus/vtest/    a client's socket bytes: Mesa's handshake, blobs, then
                   the session's streams in SUBMIT_CMD2 messages, and the
                   sync messages (fuzz_vtest.c)

Standard library only; the corpus is committed, this only regenerates it.
"""

import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MAGIC = 0x53435650
MAX_SEED = 64 << 10


def records(path):
    data = open(path, 'rb').read()
    off, out = 0, []
    while off + 12 <= len(data):
        magic, kind, size = struct.unpack_from('<III', data, off)
        assert magic == MAGIC, path
        out.append((kind, data[off + 12:off + 12 + size]))
        off += 12 + size
    return out


def first_id(rec):
    return struct.unpack_from('<I', rec)[0]


def take(recs, limit):
    """Leading records whose total stays under limit bytes."""
    out, n = [], 0
    for r in recs:
        if n + len(r) > limit:
            break
        out.append(r)
        n += len(r)
    return out


# ---- vtest messages (docs/PROTOCOL.md §1.3) ---------------------------------
def msg(cmd, *dwords):
    return struct.pack('<II', len(dwords), cmd) + struct.pack('<%dI' % len(dwords), *dwords)


def handshake(name=b'vulkaninfo'):
    out = struct.pack('<II', len(name) + 1, 8) + name + b'\0'    # CREATE_RENDERER
    out += msg(10) + msg(7, 0, 0)                               # PING + busy-wait probe
    out += msg(11, 4)                                           # PROTOCOL_VERSION
    out += msg(15, 1)                                           # GET_PARAM timelines
    out += msg(16, 4, 0)                                        # GET_CAPSET venus
    out += msg(17, 4)                                           # CONTEXT_INIT
    for size in (131268, 1 << 20):                              # ring (res 1), reply (res 2)
        out += msg(18, 2, 1, size & 0xffffffff, size >> 32, 0, 0)
    return out


def submit_cmd2(stream, syncs=()):
    n = len(stream) // 4
    sync_words = [w for s in syncs for w in (s[0], s[1] & 0xffffffff, s[1] >> 32)]
    payload = [1, 1, 9, n, 9 + n, len(syncs), 0, 0, 0]
    body = struct.pack('<%dI' % len(payload), *payload) + stream
    body += struct.pack('<%dI' % len(sync_words), *sync_words)
    return struct.pack('<II', len(body) // 4, 24) + body


def sync_tail():
    out = msg(19, 0, 0)                        # SYNC_CREATE -> id 1
    out += submit_cmd2(b'', [(1, 5)])          # no commands, sets sync 1 to 5
    out += msg(23, 0, 100, 1, 5, 0)            # SYNC_WAIT flags 0, 100 ms, (1, 5)
    out += msg(21, 1)                          # SYNC_READ
    out += msg(22, 1, 7, 0)                    # SYNC_WRITE 7
    out += msg(20, 1)                          # SYNC_UNREF
    out += msg(3, 2)                           # RESOURCE_UNREF reply shmem
    return out


# ---- ring input (fuzz_ring.c) -------------------------------------------
def ring_input(recs, size_code, flags=0, raw=None):
    out = bytes([size_code, flags, 0, 0])
    if raw is not None:
        out += struct.pack('<10Q', *raw)
    for r in recs:
        out += struct.pack('<I', len(r)) + r
    return out


def write(dirname, name, data):
    d = os.path.join(HERE, 'corpus', dirname)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def main():
    cap = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', '..', 'shared', 'captures')
    sess = {n: records(os.path.join(cap, n + '.pvcs'))
            for n in ('vulkaninfo', 'vkcube', 'ffmpeg', 'glmark2')}
    ring = {n: [r for k, r in recs if k == 1] for n, recs in sess.items()}
    ctx = {n: [r for k, r in recs if k == 0] for n, recs in sess.items()}

    # execute: the sessions' ring records run on the context (ring 1 and
    # reply 2 exist); vkWaitVirtqueueSeqnoMESA (252) is ring-only: stop there
    for n in ('vulkaninfo', 'vkcube', 'ffmpeg'):
        recs = []
        for r in ring[n]:
            if first_id(r) == 252:
                break
            recs.append(r)
        write('execute', n + '-session', b'\0' + b''.join(take(recs, MAX_SEED)))
    # with the device prefix: command-buffer recording and descriptor/pipeline work
    for n, ids in (('vkcube', {39, 138, 139, 144}), ('glmark2', {79, 87, 90, 149})):
        recs = [r for r in ring[n] if first_id(r) in ids]
        write('execute', n + '-device', b'\1' + b''.join(take(recs, 16 << 10)))

    # ring: vulkaninfo's ring traffic through Mesa's 64 KiB-capped layout,
    # a 256-byte ring (wraps often), and an explicit (raw) Mesa layout
    vi = take(ring['vulkaninfo'], MAX_SEED)
    write('ring', 'vulkaninfo-64k', ring_input(vi, 12))
    small = [r for r in ring['vulkaninfo'] if len(r) <= 256][:24]
    write('ring', 'vulkaninfo-256b-wrap', ring_input(small, 4, flags=2))
    bs = 4096
    raw = (0, 192 + bs + 4, 0, 64, 128, 192, bs, 192 + bs, 4, 1000000)
    write('ring', 'vulkaninfo-raw-layout', ring_input(small[:8], 8, flags=1, raw=raw))
    cmds = [r for r in ring['vkcube'] if first_id(r) in (39, 138, 139)]
    write('ring', 'vkcube-cmds-4k', ring_input(take(cmds, 16 << 10), 8))

    # vtest: handshake, blobs, then the session in SUBMIT_CMD2 messages
    for n in ('vulkaninfo', 'vkcube'):
        body = handshake(n.encode())
        body += submit_cmd2(ctx[n][0])                 # vkCreateRingMESA on resource 1
        for r in take(ring[n], MAX_SEED // 2):
            body += submit_cmd2(r)
        write('vtest', n + '-session', body)
    write('vtest', 'handshake-syncs', handshake() + sync_tail())

    # decoder: whole records, one per command family seen
    seen = set()
    for n in ('vulkaninfo', 'vkcube', 'ffmpeg', 'glmark2'):
        for k, r in sess[n]:
            t = first_id(r)
            if t not in seen and len(r) <= 16 << 10:
                seen.add(t)
                write('decoder', '%s-%d' % (n, t), r)


if __name__ == '__main__':
    main()

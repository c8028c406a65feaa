#!/usr/bin/env python3
"""Print the path of the newest Vulkan registry (vk.xml) this machine can have.

The build generates its protocol code from vk.xml, and what a guest is
offered is bounded by it (a 1.3.239 registry offers Vulkan 1.3.239 even on
a 1.4 host and guest).  So the default build takes the newest registry:
  * the system's (libvulkan-dev), when it is Vulkan 1.4 or later;
  * else the vk.xml of Debian's newest libvulkan-dev (suite sid), downloaded
    once into CACHE/registry/ with a private apt configuration (the mirror
    is the one this system's apt uses; the system's apt state is not
    touched), and reused;
  * else, when that fails (no network), the system's, with a warning.
A Mac build passes the Vulkan SDK's vk.xml with -Dvk_xml instead.

usage: newest_registry.py CACHE_DIR
Standard library only; needs apt-get and dpkg-deb for the download.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

SYSTEM = '/usr/share/vulkan/registry/vk.xml'
SUITE = 'sid'


def version(path):
    """(major, minor, patch) of a vk.xml, or None"""
    try:
        text = open(path, encoding='utf-8').read(400000)
    except OSError:
        return None
    patch = re.search(r'VK_HEADER_VERSION</name>\s*(\d+)', text)
    complete = re.search(r'VK_HEADER_VERSION_COMPLETE</name>\s*<type>VK_MAKE_API_VERSION</type>'
                         r'\(\s*\d+\s*,\s*(\d+)\s*,\s*(\d+)', text)
    if not patch or not complete:
        return None
    return int(complete.group(1)), int(complete.group(2)), int(patch.group(1))


def debian_mirror():
    """The Debian mirror this system's apt uses, so nothing here names one."""
    for f in glob.glob('/etc/apt/sources.list.d/*.sources') + ['/etc/apt/sources.list']:
        try:
            text = open(f).read()
        except OSError:
            continue
        for m in re.finditer(r'^(?:URIs:\s*|deb\s+(?:\[[^]]*\]\s+)?)(\S+)', text, re.M):
            if m.group(1).rstrip('/').endswith('/debian'):
                return m.group(1)
    return None


def download(cache):
    """vk.xml of SUITE's libvulkan-dev into cache; its path, or None"""
    mirror = debian_mirror()
    if not mirror or not shutil.which('apt-get') or not shutil.which('dpkg-deb'):
        return None
    apt = os.path.join(cache, 'apt')
    for d in ('lists/partial', 'archives/partial'):
        os.makedirs(os.path.join(apt, d), exist_ok=True)
    sources = os.path.join(apt, 'sources.list')
    with open(sources, 'w') as f:
        f.write('deb %s %s main\n' % (mirror, SUITE))
    opts = ['-o', 'Dir::Etc::SourceList=' + sources, '-o', 'Dir::Etc::SourceParts=-',
            '-o', 'Dir::State::Lists=' + os.path.join(apt, 'lists'),
            '-o', 'Dir::Cache::Archives=' + os.path.join(apt, 'archives'),
            '-o', 'Acquire::Check-Valid-Until=false', '-o', 'APT::Sandbox::User=root', '-qq']
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run(['apt-get'] + opts + ['update'], check=True, stdout=subprocess.DEVNULL)
            subprocess.run(['apt-get'] + opts + ['download', 'libvulkan-dev'], check=True,
                           cwd=tmp, stdout=subprocess.DEVNULL)
            deb = glob.glob(os.path.join(tmp, 'libvulkan-dev_*.deb'))[0]
            subprocess.run(['dpkg-deb', '-x', deb, os.path.join(tmp, 'x')], check=True)
        except (subprocess.CalledProcessError, IndexError, OSError) as e:
            print('newest_registry: downloading %s libvulkan-dev failed: %s' % (SUITE, e),
                  file=sys.stderr)
            return None
        xml = os.path.join(tmp, 'x', 'usr/share/vulkan/registry/vk.xml')
        v = version(xml)
        if not v:
            return None
        out = os.path.join(cache, 'registry', 'vk-%d.%d.%d.xml' % v)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        shutil.copyfile(xml, out + '.tmp')
        os.replace(out + '.tmp', out)
        return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    cache = sys.argv[1]
    sysv = version(SYSTEM)
    if sysv and sysv >= (1, 4, 0):
        print(SYSTEM)
        return
    cached = sorted(glob.glob(os.path.join(cache, 'registry', 'vk-*.xml')),
                    key=lambda p: version(p) or (0, 0, 0))
    best = cached[-1] if cached else download(cache)
    if best and (version(best) or (0, 0, 0)) > (sysv or (0, 0, 0)):
        print(best)
        return
    print('newest_registry: using the system registry %s (%s)' %
          (SYSTEM, '.'.join(map(str, sysv)) if sysv else 'unreadable'), file=sys.stderr)
    print(SYSTEM)


if __name__ == '__main__':
    main()

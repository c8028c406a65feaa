#!/bin/sh
# The portable-core rule of docs/DESIGN.md: outside src/platform/, no file may
# include a Linux-only header or call a Linux-only facility.
top=${1:-.}
pattern='#[[:space:]]*include[[:space:]]*<(linux/|sys/(eventfd|epoll|signalfd|timerfd|inotify|prctl|sysinfo|syscall)\.h|asm/)'
calls='(^|[^a-z_])(memfd_create|eventfd|epoll_(create|wait|ctl)|signalfd|SYS_futex|futex\()'
bad=$(cd "$top" && grep -rnE "$pattern|$calls" --include='*.c' --include='*.h' \
        src include tools tests bench fuzz 2>/dev/null | grep -v '^src/platform/' \
        | grep -v '^tests/check_portable_core.sh')
if [ -n "$bad" ]; then
   echo "Linux-only facilities outside src/platform/:"
   echo "$bad"
   exit 1
fi
echo "portable core: no Linux-only headers or calls outside src/platform/"

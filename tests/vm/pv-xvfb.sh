# pv-xvfb.sh — sourced by the --vtest guest scripts that draw (tests/vm):
#   . pv-xvfb.sh; pv_xvfb_start NAME WxHxD [GLX]
# starts Xvfb on a free display, waits up to 10 s for it, exports DISPLAY
# and XDG_RUNTIME_DIR, and sets $xvfb to its pid; its errors go to
# /tmp/NAME.xvfb.  GLX (any word) asks for the GLX extension, for GL
# programs.  pv_xvfb_stop ends it.
pv_xvfb_start() {
   _disp=/tmp/$1.display
   rm -f "$_disp"
   Xvfb -displayfd 5 -screen 0 "$2" ${3:+"+extension" "GLX"} 5>"$_disp" 2>"/tmp/$1.xvfb" &
   xvfb=$!
   _i=0
   while [ ! -s "$_disp" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
   export DISPLAY=":$(cat "$_disp")" XDG_RUNTIME_DIR=/tmp
}
pv_xvfb_stop() {
   kill $xvfb 2>/dev/null
   wait $xvfb 2>/dev/null
}

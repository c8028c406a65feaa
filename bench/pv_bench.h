/* pv_bench.h — benchmarks reachable through `pv-venus bench`. */
#ifndef PV_BENCH_H
#define PV_BENCH_H

/* `pv-venus bench ring [--seconds S] [--json]`; argv[0] is "ring". */
int pv_bench_ring(int argc, char **argv);
/* `pv-venus bench vulkan [--quick] [--json] [--plot FILE] [--floats N]`:
 * native vs through the server, in one run (needs glslangValidator at
 * build time for its compute shader). */
int pv_bench_vulkan(int argc, char **argv);

#endif

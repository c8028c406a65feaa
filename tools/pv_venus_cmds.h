/* pv_venus_cmds.h — subcommands of the pv-venus program, one file each. */
#ifndef PV_VENUS_CMDS_H
#define PV_VENUS_CMDS_H

struct pv_venus_cmd {
   const char *name;
   const char *summary;
   int (*main)(int argc, char **argv); /* argv[0] is the subcommand name */
};

int pv_cmd_bench(int argc, char **argv);
int pv_cmd_info(int argc, char **argv);
int pv_cmd_replay(int argc, char **argv);
int pv_cmd_serve(int argc, char **argv);

#endif

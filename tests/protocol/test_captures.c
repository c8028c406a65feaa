/*
 * test_captures — decodes the real guest streams of ../shared/captures
 * (format: captures/README.md) command by command.
 *
 * Usage: test_captures [DIR]   (PV_CAPTURES_DIR overrides DIR)
 *
 * With a registry at least as new as the one the captures were made
 * against (1.4.334) every record must decode completely.  With an older
 * registry, commands or pNext structs the registry lacks are counted and
 * reported; any other error fails the test.  Each decoded command's reply
 * is also encoded, to run the reply encoder over real shapes.
 */
#include <dirent.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "pv_test_util.h"

#define PVCS_MAGIC 0x53435650u
#define CAPTURE_REGISTRY VK_MAKE_API_VERSION(0, 1, 4, 334)

struct stats {
   unsigned records, records_ok, commands, unknown_cmd, newer_struct, hard;
   uint64_t cmd_bytes;
   double cmd_secs;          /* time spent decoding vkCmd* records */
   uint64_t cmd_rec_bytes;
};

static _Alignas(16) uint8_t args_buf[1 << 16];
static uint8_t reply_buf[1 << 20];

static double
now(void)
{
   struct timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Decodes one record; returns false at the first error (no length prefix:
 * the rest of the record cannot be resynchronised). */
static bool
decode_record(struct pv_cs_decoder *dec, struct stats *st, const char *file)
{
   struct pv_cs_encoder enc;
   while (pv_cs_decoder_remaining(dec) > 0) {
      uint32_t type, flags;
      pv_cs_decoder_reset_scratch(dec);
      if (!pv_cs_read_command_header(dec, &type, &flags)) {
         st->hard++;
         fprintf(stderr, "%s: %s\n", file, pv_cs_decoder_error(dec));
         return false;
      }
      const struct pv_cs_command_info *info = pv_cs_command_info(type);
      if (!info) {
         st->unknown_cmd++;
         if (pv_cs_vk_xml_version >= CAPTURE_REGISTRY)
            fprintf(stderr, "%s: unknown command %u\n", file, type);
         return false;
      }
      if (!pv_cs_decode_args(dec, info, args_buf)) {
         const char *err = pv_cs_decoder_error(dec);
         if (strstr(err, "unexpected sType") && pv_cs_vk_xml_version < CAPTURE_REGISTRY) {
            st->newer_struct++;
         } else {
            st->hard++;
            fprintf(stderr, "%s: %s\n", file, err);
         }
         return false;
      }
      st->commands++;
      pv_cs_encoder_init(&enc, reply_buf, sizeof(reply_buf));
      enc.handle_to_id = pv_test_handle_to_id;
      size_t want = pv_cs_reply_size(info, args_buf);
      if (!pv_cs_encode_reply(&enc, info, args_buf) || enc.pos != want) {
         st->hard++;
         fprintf(stderr, "%s: %s: reply encode failed (%s)\n", file, info->name,
                 enc.failed ? enc.error : "size mismatch");
         return false;
      }
   }
   return true;
}

static bool
all_cmd_buffer(const uint8_t *p, size_t n)
{
   /* a record of vkCmd* only, for the throughput figure */
   uint32_t type;
   if (n < 8)
      return false;
   memcpy(&type, p, 4);
   const struct pv_cs_command_info *info = pv_cs_command_info(type);
   return info && info->category == PV_CS_CAT_COMMAND_BUFFER;
}

static void
run_file(const char *path, const char *name, struct stats *st)
{
   FILE *f = fopen(path, "rb");
   PV_CHECK(f, "cannot open %s", path);
   fseek(f, 0, SEEK_END);
   long size = ftell(f);
   fseek(f, 0, SEEK_SET);
   uint8_t *data = malloc((size_t)size);
   PV_CHECK(data && fread(data, 1, (size_t)size, f) == (size_t)size, "read %s", path);
   fclose(f);

   struct pv_test_objects objs = {0};
   struct pv_cs_decoder dec;
   pv_cs_decoder_init(&dec, NULL, 0, pv_test_lookup, &objs);
   size_t off = 0;
   struct stats fs = {0};
   while (off + 12 <= (size_t)size) {
      uint32_t hdr[3];
      memcpy(hdr, data + off, sizeof(hdr));
      PV_CHECK(hdr[0] == PVCS_MAGIC, "%s: bad magic at %zu", name, off);
      PV_CHECK(hdr[2] <= (size_t)size - off - 12, "%s: record overruns file", name);
      const uint8_t *rec = data + off + 12;
      fs.records++;
      pv_cs_decoder_set_stream(&dec, rec, hdr[2]);
      bool cmdbuf = all_cmd_buffer(rec, hdr[2]);
      double t0 = now();
      if (decode_record(&dec, &fs, name))
         fs.records_ok++;
      if (cmdbuf) {
         fs.cmd_secs += now() - t0;
         fs.cmd_rec_bytes += hdr[2];
      }
      off += 12 + hdr[2];
   }
   PV_CHECK(off == (size_t)size, "%s: trailing bytes", name);
   /* throughput: decode the recorded vkCmd* streams a few more times */
   for (int pass = 0; pass < 20; pass++) {
      struct stats ts = {0};
      for (off = 0; off + 12 <= (size_t)size;) {
         uint32_t hdr[3];
         memcpy(hdr, data + off, sizeof(hdr));
         const uint8_t *rec = data + off + 12;
         if (all_cmd_buffer(rec, hdr[2])) {
            pv_cs_decoder_set_stream(&dec, rec, hdr[2]);
            double t0 = now();
            decode_record(&dec, &ts, name);
            fs.cmd_secs += now() - t0;
            fs.cmd_rec_bytes += hdr[2];
         }
         off += 12 + hdr[2];
      }
   }
   pv_cs_decoder_fini(&dec);
   free(data);
   printf("%-16s records %5u ok %5u commands %6u | unknown command %u, newer pNext struct %u, errors %u\n",
          name, fs.records, fs.records_ok, fs.commands, fs.unknown_cmd, fs.newer_struct, fs.hard);
   st->records += fs.records;
   st->records_ok += fs.records_ok;
   st->commands += fs.commands;
   st->unknown_cmd += fs.unknown_cmd;
   st->newer_struct += fs.newer_struct;
   st->hard += fs.hard;
   st->cmd_secs += fs.cmd_secs;
   st->cmd_rec_bytes += fs.cmd_rec_bytes;
}

int
main(int argc, char **argv)
{
   const char *dir = getenv("PV_CAPTURES_DIR");
   char dirbuf[4096];
   if (!dir || !*dir)
      dir = argc > 1 ? argv[1] : "../shared/captures";
   snprintf(dirbuf, sizeof(dirbuf), "%s", dir);
   dir = dirbuf;
   DIR *d = opendir(dir);
   if (!d) {
      printf("SKIP: no captures directory at %s (set PV_CAPTURES_DIR)\n", dir);
      return 77;
   }
   struct stats st = {0};
   struct dirent *e;
   char names[64][256];
   unsigned n = 0;
   while ((e = readdir(d)) && n < 64) {
      size_t l = strlen(e->d_name);
      if (l > 5 && l < 200 && !strcmp(e->d_name + l - 5, ".pvcs"))
         snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
   }
   closedir(d);
   if (!n) {
      printf("SKIP: no .pvcs files in %s\n", dir);
      return 77;
   }
   printf("registry 1.%u.%u, %u commands generated\n", VK_API_VERSION_MINOR(pv_cs_vk_xml_version),
          VK_API_VERSION_PATCH(pv_cs_vk_xml_version), pv_cs_command_count);
   for (unsigned i = 0; i < n; i++) {
      size_t len = strlen(dir) + strlen(names[i]) + 2;
      char *path = malloc(len);
      PV_CHECK(path, "out of memory");
      snprintf(path, len, "%s/%s", dir, names[i]);
      run_file(path, names[i], &st);
      free(path);
   }
   printf("total: records %u ok %u commands %u | unknown command %u, newer pNext struct %u, errors %u\n",
          st.records, st.records_ok, st.commands, st.unknown_cmd, st.newer_struct, st.hard);
   if (st.cmd_secs > 0)
      printf("vkCmd* record decode throughput: %.1f MB/s over %.2f MB\n",
             st.cmd_rec_bytes / st.cmd_secs / 1e6, st.cmd_rec_bytes / 1e6);
   PV_CHECK(st.hard == 0, "%u decode errors", st.hard);
   PV_CHECK(st.commands > 0, "nothing decoded");
   if (pv_cs_vk_xml_version >= CAPTURE_REGISTRY)
      PV_CHECK(st.records_ok == st.records, "%u records failed", st.records - st.records_ok);
   return 0;
}

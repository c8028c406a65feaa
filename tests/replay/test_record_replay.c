/*
 * test_record_replay — PV_VENUS_RECORD and pv_replay: a context's traffic
 * is recorded to a file, and replaying the file on a fresh context runs the
 * same commands (instance creation over the host driver) with the same
 * outcome, including a malformed command turning the context fatal.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cs/pv_cs_generated.h"
#include "platform/pv_platform.h"
#include "pv_test.h"
#include "pvvenus.h"
#include "renderer/replay.h"

#define REPLY_SIZE 4096

struct stream {
   uint8_t buf[4096];
   struct pv_cs_encoder enc;
};

/* SetReplyCommandStream + EnumerateInstanceVersion + CreateInstance. */
static size_t
encode_session(struct stream *s, uint32_t reply_res)
{
   pv_cs_encoder_init(&s->enc, s->buf, sizeof(s->buf));
   VkCommandStreamDescriptionMESA desc = { reply_res, 0, REPLY_SIZE };
   struct pv_vkSetReplyCommandStreamMESA_args sr = { .pStream = &desc };
   uint32_t version = 0;
   struct pv_vkEnumerateInstanceVersion_args ev = { .pApiVersion = &version };
   VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                             .pApplicationName = "replay-test", .apiVersion = VK_API_VERSION_1_1 };
   VkInstanceCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                               .pApplicationInfo = &app };
   VkInstance handle = VK_NULL_HANDLE;
   uint64_t id = 1;
   struct pv_vkCreateInstance_args inst = { .pCreateInfo = &ci, .pInstance = &handle,
                                            .pInstance_ids = &id, .pInstance_count = 1 };
   bool ok = pv_encode_vkSetReplyCommandStreamMESA(&s->enc, 0, &sr) &&
             pv_encode_vkEnumerateInstanceVersion(&s->enc, 1, &ev) &&
             pv_encode_vkCreateInstance(&s->enc, 1, &inst);
   CHECK(ok);
   return ok ? s->enc.pos : 0;
}

/* Reply of vkCreateInstance: type 0, VkResult, u64 1, u64 id — after the
 * 20-byte EnumerateInstanceVersion reply. */
static int32_t
create_instance_result(const uint8_t *reply)
{
   int32_t r;
   memcpy(&r, reply + 20 + 4, 4);
   return r;
}

static char dir[64];

static char *
only_recording(void)
{
   DIR *d = opendir(dir);
   struct dirent *e;
   char *path = NULL;
   while (d && (e = readdir(d))) {
      if (e->d_name[0] == '.')
         continue;
      free(path);
      path = malloc(strlen(dir) + strlen(e->d_name) + 2);
      sprintf(path, "%s/%s", dir, e->d_name);
   }
   if (d)
      closedir(d);
   return path;
}

static void
record_session(bool corrupt)
{
   struct pv_renderer_config cfg = { .record_dir = dir };
   struct pv_renderer *r;
   struct pv_context *ctx;
   CHECK(pv_renderer_create(&cfg, &r) == 0);
   CHECK(pv_context_create(r, "recorded", PV_CAPSET_VENUS, &ctx) == 0);
   uint32_t res;
   struct pv_blob_info info;
   CHECK(pv_context_create_blob(ctx, PV_BLOB_TYPE_HOST3D, PV_BLOB_FLAG_MAPPABLE, REPLY_SIZE, 0,
                                &res, &info) == 0);
   uint8_t *reply = pv_shm_map(info.fd, REPLY_SIZE);
   static struct stream s;
   size_t n = encode_session(&s, res);
   if (corrupt)
      memset(s.buf + n - 8, 0, 8); /* the new instance's id becomes 0: forbidden */
   int ret = pv_context_submit(ctx, s.buf, n);
   if (corrupt) {
      CHECK(ret == -EIO && pv_context_is_fatal(ctx));
   } else {
      CHECK_EQ(ret, 0);
      CHECK_EQ(create_instance_result(reply), VK_SUCCESS);
   }
   pv_shm_unmap(reply, REPLY_SIZE);
   close(info.fd);
   pv_context_destroy(ctx);
   pv_renderer_destroy(r);
}

static int
replay(const char *path, struct pv_replay_stats *st, char *reason, size_t reason_size)
{
   struct pv_renderer_config cfg = { .record_dir = "" };
   struct pv_renderer *r;
   struct pv_context *ctx;
   CHECK(pv_renderer_create(&cfg, &r) == 0);
   CHECK(pv_context_create(r, "replay", PV_CAPSET_VENUS, &ctx) == 0);
   FILE *f = fopen(path, "rb");
   CHECK(f != NULL);
   int ret = f ? pv_replay(ctx, f, st) : -1;
   if (f)
      fclose(f);
   snprintf(reason, reason_size, "%s", pv_context_fatal_reason(ctx) ? pv_context_fatal_reason(ctx) : "");
   pv_context_destroy(ctx);
   pv_renderer_destroy(r);
   return ret;
}

static void
test_replay_matches(void)
{
   record_session(false);
   char *path = only_recording();
   CHECK(path != NULL);
   struct pv_replay_stats st;
   char reason[256];
   CHECK_EQ(replay(path, &st, reason, sizeof(reason)), 0);
   CHECK_EQ(st.blobs, 1);
   CHECK_EQ(st.commands, 3); /* SetReply, EnumerateInstanceVersion, CreateInstance */
   unlink(path);
   free(path);
}

static void
test_replay_reproduces_fatal(void)
{
   record_session(true);
   char *path = only_recording();
   CHECK(path != NULL);
   struct pv_replay_stats st;
   char reason[256];
   CHECK_EQ(replay(path, &st, reason, sizeof(reason)), -EIO);
   CHECK(strstr(reason, "vkCreateInstance") != NULL);
   printf("  replayed fatal reason: %s\n", reason);
   unlink(path);
   free(path);
}

int
main(void)
{
   snprintf(dir, sizeof(dir), "/tmp/pv-replay-test-%ld", (long)getpid());
   if (mkdir(dir, 0700)) {
      perror(dir);
      return 1;
   }
   RUN(test_replay_matches);
   RUN(test_replay_reproduces_fatal);
   rmdir(dir);
   return pv_test_summary();
}

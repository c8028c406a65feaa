/*
 * fuzz_util.h — shared by the libFuzzer targets: a quiet renderer, guest
 * shared memory (blob resources mapped the way a guest maps them) and a
 * command-stream builder over the generated client encoders.
 */
#ifndef PV_FUZZ_UTIL_H
#define PV_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vulkan/vulkan.h>

#include "cs/pv_cs_generated.h"
#include "pvvenus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Guest shared memory is bounded so that inputs cannot grow the RSS. */
#define PV_FUZZ_MAX_SHM (16u << 20)

static inline void
pv_fuzz_quiet(void *user, enum pv_venus_log_level level, const char *msg)
{
   (void)user;
   (void)level;
   (void)msg;
}

/* One renderer per process, logging nothing unless PV_FUZZ_LOG is set. */
static inline struct pv_renderer *
pv_fuzz_renderer(void)
{
   static struct pv_renderer *r;
   if (!r) {
      struct pv_renderer_config cfg = { 0 };
      if (!getenv("PV_FUZZ_LOG")) {
         cfg.log_fn = pv_fuzz_quiet;
         cfg.log_level = PV_VENUS_LOG_ERROR;
      }
      cfg.max_shm_blob_size = PV_FUZZ_MAX_SHM;
      /* One instance of our own that is never destroyed keeps the host
       * driver loaded: leaks inside it stay attributable (fuzz/lsan.supp)
       * instead of showing as "<unknown module>" after its dlclose. */
      VkInstanceCreateInfo ici = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO };
      static VkInstance keep;
      if (vkCreateInstance(&ici, NULL, &keep) != VK_SUCCESS)
         fprintf(stderr, "fuzz: no host Vulkan instance (continuing)\n");
      if (pv_renderer_create(&cfg, &r)) {
         fprintf(stderr, "fuzz: cannot create the renderer\n");
         abort(); /* harness set-up, not guest data */
      }
   }
   return r;
}

/* A plain shm blob (Venus ring / reply memory), mapped like the guest does. */
struct pv_fuzz_shm {
   uint32_t res_id;
   uint8_t *map;
   size_t size;
};

static inline int
pv_fuzz_shm_create(struct pv_context *ctx, size_t size, struct pv_fuzz_shm *out)
{
   struct pv_blob_info info;
   memset(out, 0, sizeof(*out));
   int ret = pv_context_create_blob(ctx, PV_BLOB_TYPE_HOST3D, PV_BLOB_FLAG_MAPPABLE, size, 0,
                                    &out->res_id, &info);
   if (ret)
      return ret;
   void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, info.fd, 0);
   close(info.fd);
   if (p == MAP_FAILED)
      return -1;
   out->map = p;
   out->size = size;
   return 0;
}

static inline void
pv_fuzz_shm_unmap(struct pv_fuzz_shm *s)
{
   if (s->map)
      munmap(s->map, s->size);
   s->map = NULL;
}

/* A growing command stream for the generated encoders. */
struct pv_fuzz_stream {
   uint8_t buf[8192];
   struct pv_cs_encoder enc;
};

static inline void
pv_fuzz_stream_init(struct pv_fuzz_stream *s)
{
   pv_cs_encoder_init(&s->enc, s->buf, sizeof(s->buf));
}

#endif /* PV_FUZZ_UTIL_H */

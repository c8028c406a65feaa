/*
 * pv_test.h — a minimal test harness: CHECK records a failure with its
 * location and goes on; each test program ends with pv_test_summary().
 * A skipped test prints why (exit code 77 tells meson it skipped).
 */
#ifndef PV_TEST_H
#define PV_TEST_H

#include <stdio.h>
#include <stdlib.h>

static int pv_test_failures;
static int pv_test_checks;

#define CHECK(cond)                                                            \
   do {                                                                        \
      pv_test_checks++;                                                        \
      if (!(cond)) {                                                           \
         pv_test_failures++;                                                   \
         fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      }                                                                        \
   } while (0)

#define CHECK_EQ(a, b)                                                         \
   do {                                                                        \
      long long pv_a_ = (long long)(a), pv_b_ = (long long)(b);                \
      pv_test_checks++;                                                        \
      if (pv_a_ != pv_b_) {                                                    \
         pv_test_failures++;                                                   \
         fprintf(stderr, "%s:%d: CHECK_EQ failed: %s = %lld, %s = %lld\n",     \
                 __FILE__, __LINE__, #a, pv_a_, #b, pv_b_);                    \
      }                                                                        \
   } while (0)

#define RUN(test)                                                              \
   do {                                                                        \
      int pv_before_ = pv_test_failures;                                       \
      test();                                                                  \
      printf("%s %s\n", pv_test_failures == pv_before_ ? "ok  " : "FAIL", #test); \
      fflush(stdout);                                                          \
   } while (0)

static inline int
pv_test_summary(void)
{
   printf("%d checks, %d failed\n", pv_test_checks, pv_test_failures);
   return pv_test_failures ? 1 : 0;
}

#endif

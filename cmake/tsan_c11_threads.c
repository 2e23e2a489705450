/* Linked into every executable of a CAAS_TSAN=1 build (CaasTargets.cmake).
 *
 * librdkafka uses C11 <threads.h>. glibc implements thrd_create, mtx_lock,
 * cnd_wait, ... by calling its internal pthread functions directly, past the
 * interceptors ThreadSanitizer puts on pthread_create, pthread_mutex_lock, ...
 * TSan therefore never learns of librdkafka's threads: the first malloc on one
 * of them finds no TSan thread state and crashes (seen in devbroker_test), and
 * librdkafka's locks would not order our callbacks it runs. These definitions
 * take precedence over glibc's (the executable comes first in symbol lookup)
 * and call the public pthread functions instead. glibc's mtx_t, cnd_t and
 * thrd_t have the layout of pthread_mutex_t, pthread_cond_t and pthread_t.
 * mtx_init, cnd_init and the destroy functions stay glibc's: TSan does not
 * need to see them. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

struct caas_thrd_start {
  thrd_start_t fn;
  void* arg;
};

static void* caas_thrd_trampoline(void* p) {
  struct caas_thrd_start start = *(struct caas_thrd_start*)p;
  free(p);
  return (void*)(intptr_t)start.fn(start.arg);
}

int thrd_create(thrd_t* thr, thrd_start_t fn, void* arg) {
  struct caas_thrd_start* start = malloc(sizeof *start);
  if (!start) return thrd_nomem;
  start->fn = fn;
  start->arg = arg;
  const int rc = pthread_create((pthread_t*)thr, NULL, caas_thrd_trampoline, start);
  if (rc != 0) {
    free(start);
    return rc == EAGAIN || rc == ENOMEM ? thrd_nomem : thrd_error;
  }
  return thrd_success;
}

int thrd_join(thrd_t thr, int* res) {
  void* value = NULL;
  if (pthread_join((pthread_t)thr, &value) != 0) return thrd_error;
  if (res) *res = (int)(intptr_t)value;
  return thrd_success;
}

int mtx_lock(mtx_t* m) {
  return pthread_mutex_lock((pthread_mutex_t*)m) == 0 ? thrd_success : thrd_error;
}

int mtx_unlock(mtx_t* m) {
  return pthread_mutex_unlock((pthread_mutex_t*)m) == 0 ? thrd_success : thrd_error;
}

int cnd_signal(cnd_t* c) {
  return pthread_cond_signal((pthread_cond_t*)c) == 0 ? thrd_success : thrd_error;
}

int cnd_broadcast(cnd_t* c) {
  return pthread_cond_broadcast((pthread_cond_t*)c) == 0 ? thrd_success : thrd_error;
}

int cnd_wait(cnd_t* c, mtx_t* m) {
  return pthread_cond_wait((pthread_cond_t*)c, (pthread_mutex_t*)m) == 0 ? thrd_success : thrd_error;
}

int cnd_timedwait(cnd_t* restrict c, mtx_t* restrict m, const struct timespec* restrict deadline) {
  const int rc = pthread_cond_timedwait((pthread_cond_t*)c, (pthread_mutex_t*)m, deadline);
  if (rc == 0) return thrd_success;
  return rc == ETIMEDOUT ? thrd_timedout : thrd_error;
}

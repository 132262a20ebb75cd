/*
 * peng_pcap: a small libpcap binding for live capture in batches.
 *
 * Why not `cap`: it calls into JS once per packet and passes neither the packet
 * timestamp nor pcap_stats. Here a worker thread runs pcap_dispatch and copies
 * packets into a JS-owned ArrayBuffer as records, then one JS callback handles
 * the whole batch. Record layout (native endian, 4-byte aligned):
 *   u32 ts_sec, u32 ts_nsec, u32 caplen, u32 wirelen, caplen bytes, pad to 4.
 *
 * Waiting: with TPACKET_V3 a blocking pcap_dispatch waits forever on a quiet
 * link (the kernel's block timeout only fires for non-empty blocks), so the
 * handle is non-blocking and the worker poll()s the pcap fd together with a
 * wake pipe that close() writes to. That bounds both batch latency and idle.
 *
 * Threads: the worker only touches the pcap handle (pcap_dispatch) and the batch
 * fields; the main thread only touches them while no batch is in flight, except
 * `closing` (atomic), the wake pipe and pcap_breakloop, which libpcap allows
 * from another thread. pcap_stats on Linux reads socket counters, not the ring.
 */
#include <node_api.h>
#include <pcap/pcap.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REC_HDR 16u
#define IDLE_NS 1000000000LL /* hand back an empty batch after 1 s of silence */
#define LINKTYPE_RAW 101     /* DLT_RAW differs per OS; files and decoders use 101 */

#define PERM_HINT "run as root, or `sudo setcap cap_net_raw,cap_net_admin=eip $(readlink -f $(which node))`"

typedef struct {
  pcap_t *p;
  char device[256];
  int nano;      /* 1 when the kernel gives nanoseconds */
  int linktype;
  int snapshot;
  int timeout_ms;
  int fd;          /* pcap_get_selectable_fd */
  int wake[2];     /* pipe: close() wakes the worker's poll() */
  int link_check;  /* 1: the device has flags to read (not "any"): see link_lost() */
  char warning[PCAP_ERRBUF_SIZE];
  atomic_int closing;
  int inflight;
  /* last pcap_stats, kept so stats() still answers after close */
  double recv, drop, ifdrop;
  int have_stats;
  /* the batch in flight */
  napi_async_work work;
  napi_ref self_ref, buf_ref, cb_ref;
  uint8_t *buf;
  size_t cap, used;
  uint32_t count;
  int failed;
  char err[PCAP_ERRBUF_SIZE];
} handle_t;

__attribute__((format(printf, 3, 4)))
static napi_value throw_code(napi_env env, const char *code, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  napi_throw_error(env, code, msg); /* sets error.code, read by live.ts */
  return NULL;
}

#define NAPI_OK(env, call)                                          \
  do {                                                              \
    if ((call) != napi_ok) {                                        \
      const napi_extended_error_info *info_;                        \
      napi_get_last_error_info((env), &info_);                      \
      bool pending_;                                                \
      napi_is_exception_pending((env), &pending_);                  \
      if (!pending_)                                                \
        napi_throw_error((env), NULL, info_ && info_->error_message \
                                          ? info_->error_message    \
                                          : "N-API call failed");   \
      return NULL;                                                  \
    }                                                               \
  } while (0)

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static size_t max_record(const handle_t *h) {
  return REC_HDR + (((size_t)h->snapshot + 3u) & ~(size_t)3u);
}

/*
 * An interface set down (`ip link set X down`) is not an error for libpcap
 * >= 1.10: the kernel marks the packet socket ENETDOWN (POLLERR once), and
 * pcap_wait_for_frames_mmap() only remembers it (`netdown`) and keeps returning
 * 0 packets until the device is up again or gone; only "The interface
 * disappeared" is returned as an error (libpcap commit a973128a, pcap-linux.c
 * 1.10.3; before 1.10 it returned "The interface went down"). The sensor would
 * wait forever on a dead link, so after each second of silence (the idle batch
 * end, no work per packet) the worker reads the flags itself, as libpcap does.
 * Returns 1 with h->err set when the device is down or gone.
 */
static int link_lost(handle_t *h) {
  struct ifreq ifr;
  if (!h->link_check) return 0;
  memset(&ifr, 0, sizeof ifr);
  size_t len = strlen(h->device);
  if (len >= IFNAMSIZ) return 0; /* no interface name: nothing to watch */
  memcpy(ifr.ifr_name, h->device, len);
  if (ioctl(h->fd, SIOCGIFFLAGS, &ifr) == -1) {
    if (errno != ENODEV && errno != ENXIO) return 0; /* cannot tell: keep capturing */
    snprintf(h->err, sizeof h->err, "The interface disappeared");
    return 1;
  }
  if (ifr.ifr_flags & IFF_UP) return 0;
  snprintf(h->err, sizeof h->err, "The interface went down");
  return 1;
}

static void refresh_stats(handle_t *h) {
  struct pcap_stat ps;
  if (h->p && pcap_stats(h->p, &ps) == 0) {
    h->recv = ps.ps_recv;
    h->drop = ps.ps_drop;
    h->ifdrop = ps.ps_ifdrop;
    h->have_stats = 1;
  }
}

static void close_now(handle_t *h) {
  if (!h->p) return;
  refresh_stats(h); /* keep the final counters for stats() after close */
  pcap_close(h->p);
  h->p = NULL;
  close(h->wake[0]);
  close(h->wake[1]);
}

/* ---- worker thread ---- */

static void on_packet(u_char *user, const struct pcap_pkthdr *ph, const u_char *bytes) {
  handle_t *h = (handle_t *)user;
  size_t room = h->cap - h->used;
  if (room < REC_HDR) return; /* cannot happen: dispatch count is bounded by room */
  uint32_t caplen = ph->caplen;
  if (caplen > room - REC_HDR) caplen = (uint32_t)(room - REC_HDR);
  uint32_t *rec = (uint32_t *)(h->buf + h->used);
  rec[0] = (uint32_t)ph->ts.tv_sec;
  rec[1] = h->nano ? (uint32_t)ph->ts.tv_usec : (uint32_t)ph->ts.tv_usec * 1000u;
  rec[2] = caplen;
  rec[3] = ph->len;
  memcpy(h->buf + h->used + REC_HDR, bytes, caplen);
  h->used += REC_HDR + ((caplen + 3u) & ~3u);
  h->count++;
}

static void execute(napi_env env, void *data) {
  handle_t *h = (handle_t *)data;
  const int64_t start = now_ns();
  const int64_t limit = (int64_t)h->timeout_ms * 1000000LL;
  const size_t rec = max_record(h);
  for (;;) {
    if (atomic_load(&h->closing)) break;
    size_t room = h->cap - h->used;
    if (room < rec) break; /* nearly full: a worst-case packet might not fit */
    size_t cnt = room / rec;
    int n = pcap_dispatch(h->p, cnt > 1000000 ? 1000000 : (int)cnt, on_packet, (u_char *)h);
    if (n == PCAP_ERROR_BREAK) break;
    if (n < 0) {
      h->failed = 1;
      snprintf(h->err, sizeof h->err, "%s", pcap_geterr(h->p));
      break;
    }
    int64_t elapsed = now_ns() - start;
    if (h->count > 0 && elapsed >= limit) break;
    if (elapsed >= IDLE_NS) {
      if (h->count == 0 && link_lost(h)) h->failed = 1; /* a second without packets: is the link still up? */
      break;
    }
    if (n > 0) continue; /* the dispatch count may have cut a ready block short */
    int64_t wait_ns = (h->count > 0 ? limit : IDLE_NS) - elapsed;
    struct pollfd fds[2] = {{h->fd, POLLIN, 0}, {h->wake[0], POLLIN, 0}};
    int ms = (int)((wait_ns + 999999) / 1000000);
    if (poll(fds, 2, ms) < 0 && errno != EINTR) {
      h->failed = 1;
      snprintf(h->err, sizeof h->err, "poll: %s", strerror(errno));
      break;
    }
    if (fds[1].revents) break; /* woken by close() */
  }
}

/* ---- main thread ---- */

static void complete(napi_env env, napi_status status, void *data) {
  handle_t *h = (handle_t *)data;
  napi_value cb, self, argv[3];
  napi_delete_async_work(env, h->work);
  h->work = NULL;
  h->inflight = 0;
  if (atomic_load(&h->closing)) close_now(h);

  napi_get_reference_value(env, h->cb_ref, &cb);
  napi_get_reference_value(env, h->self_ref, &self);
  /* drop the refs before calling: the callback usually queues the next batch */
  napi_delete_reference(env, h->cb_ref);
  napi_delete_reference(env, h->buf_ref);
  napi_delete_reference(env, h->self_ref);
  h->cb_ref = h->buf_ref = h->self_ref = NULL;

  napi_create_uint32(env, h->count, &argv[0]);
  napi_create_uint32(env, (uint32_t)h->used, &argv[1]);
  if (h->failed)
    napi_create_string_utf8(env, h->err, NAPI_AUTO_LENGTH, &argv[2]);
  else
    napi_get_null(env, &argv[2]);
  napi_call_function(env, self, cb, 3, argv, NULL);
}

static void finalize(napi_env env, void *data, void *hint) {
  handle_t *h = (handle_t *)data;
  if (h->inflight) { /* only at environment teardown: stop the worker, leak h */
    atomic_store(&h->closing, 1);
    pcap_breakloop(h->p);
    ssize_t w = write(h->wake[1], "x", 1);
    (void)w;
    return;
  }
  close_now(h);
  free(h);
}

static char *get_string(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (s) napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

static int set_filter(napi_env env, handle_t *h, const char *filter) {
  bpf_u_int32 net = 0, mask = PCAP_NETMASK_UNKNOWN;
  char errbuf[PCAP_ERRBUF_SIZE];
  struct bpf_program prog;
  if (pcap_lookupnet(h->device, &net, &mask, errbuf) != 0) mask = PCAP_NETMASK_UNKNOWN;
  if (pcap_compile(h->p, &prog, filter, 1, mask) != 0) {
    throw_code(env, "CAP_FILTER", "bad capture filter \"%s\": %s", filter, pcap_geterr(h->p));
    return -1;
  }
  int rc = pcap_setfilter(h->p, &prog);
  pcap_freecode(&prog);
  if (rc != 0) {
    throw_code(env, "CAP_FILTER", "cannot install capture filter \"%s\": %s", filter, pcap_geterr(h->p));
    return -1;
  }
  return 0;
}

static void throw_activate(napi_env env, handle_t *h, int rc) {
  const char *why = pcap_geterr(h->p);
  if (!why || !*why) why = pcap_statustostr(rc);
  switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
      throw_code(env, "CAP_NO_DEVICE", "no capture device named \"%s\" (%s); `ip link` lists the interfaces", h->device, why);
      break;
    case PCAP_ERROR_PERM_DENIED:
    case PCAP_ERROR_PROMISC_PERM_DENIED:
      throw_code(env, "CAP_PERMISSION", "no permission to capture on \"%s\" (%s): " PERM_HINT, h->device, why);
      break;
    case PCAP_ERROR_IFACE_NOT_UP:
      throw_code(env, "CAP_OPEN_FAILED", "interface \"%s\" is down (%s): bring it up first", h->device, why);
      break;
    default:
      throw_code(env, "CAP_OPEN_FAILED", "cannot open \"%s\" for capture: %s", h->device, why);
  }
}

/* new PcapHandle(device, snaplen, promisc, bufferBytes, timeoutMs, filter|null) */
static napi_value handle_new(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6], self;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  if (argc < 5) {
    napi_throw_type_error(env, NULL, "PcapHandle(device, snaplen, promisc, bufferBytes, timeoutMs, filter)");
    return NULL;
  }
  handle_t *h = calloc(1, sizeof *h);
  if (!h) { napi_throw_error(env, NULL, "out of memory"); return NULL; }
  h->wake[0] = h->wake[1] = -1;
  size_t len;
  int32_t snaplen = 65535, buffer_bytes = 32 << 20, timeout_ms = 100;
  bool promisc = true;
  char *filter = NULL;
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  if (napi_get_value_string_utf8(env, argv[0], h->device, sizeof h->device, &len) != napi_ok ||
      napi_get_value_int32(env, argv[1], &snaplen) != napi_ok ||
      napi_get_value_bool(env, argv[2], &promisc) != napi_ok ||
      napi_get_value_int32(env, argv[3], &buffer_bytes) != napi_ok ||
      napi_get_value_int32(env, argv[4], &timeout_ms) != napi_ok) {
    free(h);
    napi_throw_type_error(env, NULL, "PcapHandle: expected (string, number, boolean, number, number, string|null)");
    return NULL;
  }
  napi_valuetype ft = napi_undefined;
  if (argc > 5) napi_typeof(env, argv[5], &ft);
  if (ft == napi_string) filter = get_string(env, argv[5]);
  h->timeout_ms = timeout_ms > 0 ? timeout_ms : 100;

  h->p = pcap_create(h->device, errbuf);
  if (!h->p) {
    throw_code(env, "CAP_OPEN_FAILED", "cannot open \"%s\" for capture: %s", h->device, errbuf);
    goto fail;
  }
  pcap_set_snaplen(h->p, snaplen > 0 ? snaplen : 65535);
  pcap_set_promisc(h->p, promisc ? 1 : 0);
  pcap_set_timeout(h->p, h->timeout_ms);
  if (buffer_bytes > 0) pcap_set_buffer_size(h->p, buffer_bytes);
  /* nanosecond stamps where the platform has them; microseconds otherwise */
  if (pcap_set_tstamp_precision(h->p, PCAP_TSTAMP_PRECISION_NANO) != 0)
    pcap_set_tstamp_precision(h->p, PCAP_TSTAMP_PRECISION_MICRO);

  int rc = pcap_activate(h->p);
  if (rc < 0) {
    throw_activate(env, h, rc);
    goto fail;
  }
  if (rc > 0) snprintf(h->warning, sizeof h->warning, "%s", pcap_geterr(h->p));
  if (filter && *filter && set_filter(env, h, filter) != 0) goto fail;
  free(filter);
  filter = NULL;

  h->nano = pcap_get_tstamp_precision(h->p) == PCAP_TSTAMP_PRECISION_NANO;
  h->snapshot = pcap_snapshot(h->p);
  h->linktype = pcap_datalink(h->p);
  if (h->linktype == DLT_RAW) h->linktype = LINKTYPE_RAW;
  h->fd = pcap_get_selectable_fd(h->p);
  if (h->fd < 0 || pcap_setnonblock(h->p, 1, errbuf) != 0) {
    throw_code(env, "CAP_OPEN_FAILED", "cannot poll capture on \"%s\": %s", h->device, errbuf);
    goto fail;
  }
  if (pipe(h->wake) != 0) {
    throw_code(env, "CAP_OPEN_FAILED", "cannot create wake pipe: %s", strerror(errno));
    goto fail;
  }
  fcntl(h->wake[0], F_SETFD, FD_CLOEXEC);
  fcntl(h->wake[1], F_SETFD, FD_CLOEXEC);
  /* Watch the link only where it has flags to read and is up now ("any" has none). */
  h->link_check = 1;
  h->link_check = !link_lost(h);
  h->err[0] = '\0';

  if (napi_wrap(env, self, h, finalize, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, "napi_wrap failed");
    goto fail;
  }
  return self;

fail:
  free(filter);
  if (h->p) pcap_close(h->p);
  if (h->wake[0] >= 0) close(h->wake[0]);
  if (h->wake[1] >= 0) close(h->wake[1]);
  free(h);
  return NULL;
}

static handle_t *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, napi_value *self) {
  handle_t *h = NULL;
  napi_value this_arg;
  if (napi_get_cb_info(env, info, argc, argv, &this_arg, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, this_arg, (void **)&h) != napi_ok) {
    napi_throw_type_error(env, NULL, "not a PcapHandle");
    return NULL;
  }
  if (self) *self = this_arg;
  return h;
}

/* read(buffer: ArrayBuffer, cb: (count, usedBytes, error: string|null) => void) */
static napi_value handle_read(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self;
  handle_t *h = unwrap(env, info, &argc, argv, &self);
  if (!h) return NULL;
  if (!h->p || atomic_load(&h->closing)) { napi_throw_error(env, NULL, "capture handle is closed"); return NULL; }
  if (h->inflight) { napi_throw_error(env, NULL, "a batch is already in flight"); return NULL; }
  bool is_ab = false;
  napi_valuetype cbt = napi_undefined;
  if (argc == 2) {
    napi_is_arraybuffer(env, argv[0], &is_ab);
    napi_typeof(env, argv[1], &cbt);
  }
  if (!is_ab || cbt != napi_function) { napi_throw_type_error(env, NULL, "read(ArrayBuffer, function)"); return NULL; }
  void *data;
  size_t bytes;
  NAPI_OK(env, napi_get_arraybuffer_info(env, argv[0], &data, &bytes));
  bytes &= ~(size_t)3u;
  if (bytes < max_record(h)) { napi_throw_range_error(env, NULL, "batch buffer smaller than one record at this snap length"); return NULL; }

  napi_value name;
  NAPI_OK(env, napi_create_string_utf8(env, "peng_pcap:batch", NAPI_AUTO_LENGTH, &name));
  NAPI_OK(env, napi_create_async_work(env, NULL, name, execute, complete, h, &h->work));
  napi_create_reference(env, argv[0], 1, &h->buf_ref);
  napi_create_reference(env, argv[1], 1, &h->cb_ref);
  napi_create_reference(env, self, 1, &h->self_ref);
  h->buf = data;
  h->cap = bytes;
  h->used = 0;
  h->count = 0;
  h->failed = 0;
  h->inflight = 1;
  NAPI_OK(env, napi_queue_async_work(env, h->work));
  return NULL;
}

static napi_value handle_stats(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  handle_t *h = unwrap(env, info, &argc, NULL, NULL);
  if (!h) return NULL;
  refresh_stats(h);
  napi_value out, v;
  if (!h->have_stats) { napi_get_null(env, &out); return out; }
  NAPI_OK(env, napi_create_object(env, &out));
  napi_create_double(env, h->recv, &v);
  napi_set_named_property(env, out, "recv", v);
  napi_create_double(env, h->drop, &v);
  napi_set_named_property(env, out, "drop", v);
  napi_create_double(env, h->ifdrop, &v);
  napi_set_named_property(env, out, "ifdrop", v);
  return out;
}

/* close(): stop now if idle, else break the loop and close when the batch completes */
static napi_value handle_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  handle_t *h = unwrap(env, info, &argc, NULL, NULL);
  if (!h) return NULL;
  if (h->p && !atomic_exchange(&h->closing, 1)) {
    if (h->inflight) {
      pcap_breakloop(h->p); /* ends a dispatch in progress */
      ssize_t w = write(h->wake[1], "x", 1); /* ends a poll() in progress */
      (void)w;
    } else {
      close_now(h);
    }
  }
  return NULL;
}

static napi_value handle_datalink(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  handle_t *h = unwrap(env, info, &argc, NULL, NULL);
  if (!h) return NULL;
  napi_value v;
  napi_create_int32(env, h->linktype, &v);
  return v;
}

static napi_value handle_info(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  handle_t *h = unwrap(env, info, &argc, NULL, NULL);
  if (!h) return NULL;
  napi_value out, v;
  NAPI_OK(env, napi_create_object(env, &out));
  napi_create_string_utf8(env, h->nano ? "nano" : "micro", NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, out, "precision", v);
  napi_create_int32(env, h->snapshot, &v);
  napi_set_named_property(env, out, "snaplen", v);
  if (h->warning[0]) napi_create_string_utf8(env, h->warning, NAPI_AUTO_LENGTH, &v);
  else napi_get_null(env, &v);
  napi_set_named_property(env, out, "warning", v);
  return out;
}

static void set_addr(napi_env env, napi_value obj, const char *key, const struct sockaddr *sa) {
  char text[INET6_ADDRSTRLEN] = "";
  napi_value v;
  if (sa && sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, text, sizeof text);
  else if (sa && sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, text, sizeof text);
  if (text[0]) napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &v);
  else napi_get_null(env, &v);
  napi_set_named_property(env, obj, key, v);
}

static void set_bool(napi_env env, napi_value obj, const char *key, int on) {
  napi_value v;
  napi_get_boolean(env, on != 0, &v);
  napi_set_named_property(env, obj, key, v);
}

/* listDevices(): [{ name, description, addresses: [{addr, netmask, broadaddr, dstaddr}], loopback, up, running }] */
static napi_value list_devices(napi_env env, napi_callback_info info) {
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_if_t *all = NULL;
  if (pcap_findalldevs(&all, errbuf) != 0)
    return throw_code(env, "CAP_OPEN_FAILED", "cannot list capture devices: %s", errbuf);
  napi_value list, dev, addrs, addr, v;
  uint32_t i = 0;
  napi_create_array(env, &list);
  for (pcap_if_t *d = all; d; d = d->next) {
    napi_create_object(env, &dev);
    napi_create_string_utf8(env, d->name, NAPI_AUTO_LENGTH, &v);
    napi_set_named_property(env, dev, "name", v);
    if (d->description) napi_create_string_utf8(env, d->description, NAPI_AUTO_LENGTH, &v);
    else napi_get_null(env, &v);
    napi_set_named_property(env, dev, "description", v);
    napi_create_array(env, &addrs);
    uint32_t j = 0;
    for (pcap_addr_t *a = d->addresses; a; a = a->next) {
      if (!a->addr || (a->addr->sa_family != AF_INET && a->addr->sa_family != AF_INET6)) continue;
      napi_create_object(env, &addr);
      set_addr(env, addr, "addr", a->addr);
      set_addr(env, addr, "netmask", a->netmask);
      set_addr(env, addr, "broadaddr", a->broadaddr);
      set_addr(env, addr, "dstaddr", a->dstaddr);
      napi_set_element(env, addrs, j++, addr);
    }
    napi_set_named_property(env, dev, "addresses", addrs);
    set_bool(env, dev, "loopback", d->flags & PCAP_IF_LOOPBACK);
    set_bool(env, dev, "up", d->flags & PCAP_IF_UP);
    set_bool(env, dev, "running", d->flags & PCAP_IF_RUNNING);
    napi_set_element(env, list, i++, dev);
  }
  pcap_freealldevs(all);
  return list;
}

static napi_value lib_version(napi_env env, napi_callback_info info) {
  napi_value v;
  napi_create_string_utf8(env, pcap_lib_version(), NAPI_AUTO_LENGTH, &v);
  return v;
}

/*
 * unixDgramSend(path, buffer): one datagram to an AF_UNIX SOCK_DGRAM socket
 * such as /dev/log. Node's dgram module has no AF_UNIX, so --syslog
 * unix:///dev/log comes here. Never blocks (MSG_DONTWAIT: a full receiver is
 * EAGAIN, counted by the caller); throws with the errno name as code
 * (EPROTOTYPE: a stream socket, ENOENT, ECONNREFUSED: nobody listening).
 */
#include <sys/un.h>
static const char *errno_name(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EPROTOTYPE: return "EPROTOTYPE";
    case EAGAIN: return "EAGAIN";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EMSGSIZE: return "EMSGSIZE";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOBUFS: return "ENOBUFS";
    default: return "EIO";
  }
}

static napi_value unix_dgram_send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  size_t plen = 0;
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], addr.sun_path, sizeof addr.sun_path, &plen) != napi_ok)
    return throw_code(env, "EINVAL", "unixDgramSend(path, buffer)");
  if (plen >= sizeof addr.sun_path - 1) return throw_code(env, "ENAMETOOLONG", "socket path too long");
  void *data;
  size_t len;
  if (napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok) return throw_code(env, "EINVAL", "unixDgramSend: buffer expected");
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_code(env, errno_name(errno), "socket: %s", strerror(errno));
  ssize_t n = sendto(fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&addr, sizeof addr);
  int e = errno;
  close(fd);
  if (n < 0) return throw_code(env, errno_name(e), "%s: %s", addr.sun_path, strerror(e));
  napi_value out;
  napi_create_int64(env, (int64_t)n, &out);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
    {"read", NULL, handle_read, NULL, NULL, NULL, napi_default, NULL},
    {"stats", NULL, handle_stats, NULL, NULL, NULL, napi_default, NULL},
    {"close", NULL, handle_close, NULL, NULL, NULL, napi_default, NULL},
    {"datalink", NULL, handle_datalink, NULL, NULL, NULL, napi_default, NULL},
    {"info", NULL, handle_info, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value cls, fn;
  NAPI_OK(env, napi_define_class(env, "PcapHandle", NAPI_AUTO_LENGTH, handle_new, NULL,
                                 sizeof methods / sizeof methods[0], methods, &cls));
  napi_set_named_property(env, exports, "PcapHandle", cls);
  napi_create_function(env, "listDevices", NAPI_AUTO_LENGTH, list_devices, NULL, &fn);
  napi_set_named_property(env, exports, "listDevices", fn);
  napi_create_function(env, "libVersion", NAPI_AUTO_LENGTH, lib_version, NULL, &fn);
  napi_set_named_property(env, exports, "libVersion", fn);
  napi_create_function(env, "unixDgramSend", NAPI_AUTO_LENGTH, unix_dgram_send, NULL, &fn);
  napi_set_named_property(env, exports, "unixDgramSend", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

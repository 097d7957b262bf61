/* The native fan-out ceiling: an epoll WebSocket server in C that writes one pre-built frame to every
 * client. Events arrive on stdin as <4-byte big-endian length><payload> (a feeder consumes RabbitMQ);
 * each becomes one unmasked text frame, built once, written to every subscribed client. Clients'
 * text frames (subscribe/unsubscribe envelopes) are answered with a success reply naming their
 * request_id. No JSON parsing, no per-client work beyond the write: the physical ceiling of this box.
 * Usage: fanout PORT   (prints "listening" on stdout when it accepts) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 512
#define IN_CAP 16384
#define OUT_CAP (4 << 20)

typedef struct {
  int fd, upgraded, subscribed;
  char in[IN_CAP];
  size_t in_len;
  char *out;
  size_t out_len;
} client_t;

static client_t **clients;
static int clients_cap;
static int epfd;

/* ---- SHA-1 and base64, for Sec-WebSocket-Accept ---- */
static uint32_t rol(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }
static void sha1(const unsigned char *msg, size_t len, unsigned char out[20]) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  size_t total = ((len + 8) / 64 + 1) * 64;
  unsigned char *buf = calloc(total, 1);
  memcpy(buf, msg, len);
  buf[len] = 0x80;
  uint64_t bits = (uint64_t)len * 8;
  for (int i = 0; i < 8; i++) buf[total - 1 - i] = (unsigned char)(bits >> (8 * i));
  for (size_t off = 0; off < total; off += 64) {
    uint32_t w[80];
    for (int i = 0; i < 16; i++) w[i] = (uint32_t)buf[off + 4 * i] << 24 | (uint32_t)buf[off + 4 * i + 1] << 16 | (uint32_t)buf[off + 4 * i + 2] << 8 | buf[off + 4 * i + 3];
    for (int i = 16; i < 80; i++) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; i++) {
      uint32_t f, k;
      if (i < 20) { f = (b & c) | (~b & d); k = 0x5A827999; }
      else if (i < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1; }
      else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC; }
      else { f = b ^ c ^ d; k = 0xCA62C1D6; }
      uint32_t t = rol(a, 5) + f + e + k + w[i];
      e = d; d = c; c = rol(b, 30); b = a; a = t;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
  }
  free(buf);
  for (int i = 0; i < 5; i++) for (int j = 0; j < 4; j++) out[4 * i + j] = (unsigned char)(h[i] >> (24 - 8 * j));
}
static void base64(const unsigned char *in, size_t len, char *out) {
  static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < len; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < len ? in[i + 2] : 0);
    out[o++] = t[v >> 18 & 63]; out[o++] = t[v >> 12 & 63];
    out[o++] = i + 1 < len ? t[v >> 6 & 63] : '=';
    out[o++] = i + 2 < len ? t[v & 63] : '=';
  }
  out[o] = 0;
}

/* ---- clients ---- */
static void drop(client_t *c) {
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  clients[c->fd] = NULL;
  free(c->out);
  free(c);
}

/* Writes what the kernel takes now; keeps the rest (bounded) and asks epoll for writability. */
static int send_bytes(client_t *c, const char *data, size_t len) {
  if (c->out_len == 0) {
    ssize_t n = write(c->fd, data, len);
    if (n < 0 && errno != EAGAIN) return -1;
    if (n < 0) n = 0;
    data += n; len -= (size_t)n;
    if (len == 0) return 0;
  }
  if (c->out_len + len > OUT_CAP) return -1;
  if (!c->out) c->out = malloc(OUT_CAP);
  memcpy(c->out + c->out_len, data, len);
  c->out_len += len;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.fd = c->fd};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
  return 0;
}

static void flush_out(client_t *c) {
  ssize_t n = write(c->fd, c->out, c->out_len);
  if (n < 0 && errno != EAGAIN) { drop(c); return; }
  if (n > 0) { memmove(c->out, c->out + n, c->out_len - (size_t)n); c->out_len -= (size_t)n; }
  if (c->out_len == 0) {
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = c->fd};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
  }
}

static size_t frame_header(char *h, size_t len, int opcode) {
  h[0] = (char)(0x80 | opcode);
  if (len < 126) { h[1] = (char)len; return 2; }
  if (len < 65536) { h[1] = 126; h[2] = (char)(len >> 8); h[3] = (char)len; return 4; }
  h[1] = 127;
  for (int i = 0; i < 8; i++) h[2 + i] = (char)((uint64_t)len >> (56 - 8 * i));
  return 10;
}

static int handshake(client_t *c) {
  char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
  if (!end) return c->in_len < IN_CAP ? 0 : -1;
  size_t head_len = (size_t)(end - c->in) + 4;
  c->in[head_len - 1] = 0;
  char *key = strcasestr(c->in, "Sec-WebSocket-Key:");
  if (!key) {
    const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nceiling";
    if (write(c->fd, ok, strlen(ok)) < 0) { /* closing anyway */ }
    return -1;
  }
  key += 18;
  while (*key == ' ') key++;
  char buf[128];
  size_t k = 0;
  while (key[k] && key[k] != '\r' && k < 60) { buf[k] = key[k]; k++; }
  memcpy(buf + k, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 36);
  unsigned char digest[20];
  sha1((unsigned char *)buf, k + 36, digest);
  char accept[32];
  base64(digest, 20, accept);
  char resp[256];
  int n = snprintf(resp, sizeof resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
  c->upgraded = 1;
  memmove(c->in, c->in + head_len, c->in_len - head_len);
  c->in_len -= head_len;
  return send_bytes(c, resp, (size_t)n);
}

/* Parses the client's masked frames: text → reply with its request_id; ping → pong; close → drop. */
static int frames(client_t *c) {
  for (;;) {
    if (c->in_len < 2) return 0;
    unsigned char *p = (unsigned char *)c->in;
    int opcode = p[0] & 15;
    size_t len = p[1] & 127, off = 2;
    if (len == 126) { if (c->in_len < 4) return 0; len = (size_t)p[2] << 8 | p[3]; off = 4; }
    else if (len == 127) return -1;
    if (c->in_len < off + 4 + len) return c->in_len < IN_CAP ? 0 : -1;
    unsigned char *mask = p + off, *data = p + off + 4;
    for (size_t i = 0; i < len; i++) data[i] ^= mask[i & 3];
    if (opcode == 8) return -1;
    if (opcode == 9 || opcode == 1) {
      char out[512];
      size_t body = 0;
      char reply[400];
      if (opcode == 1) {
        const char *rid = memmem(data, len, "\"request_id\":\"", 14);
        size_t rl = 0;
        if (rid) { rid += 14; while (rid + rl < (char *)data + len && rid[rl] != '"' && rl < 200) rl++; }
        body = (size_t)snprintf(reply, sizeof reply, "{\"action\":\"reply\",\"request_id\":\"%.*s\",\"status\":\"success\"}", (int)rl, rid ? rid : "");
        c->subscribed = 1;
      } else {
        body = len < 126 ? len : 0;
        memcpy(reply, data, body);
      }
      size_t h = frame_header(out, body, opcode == 1 ? 1 : 10);
      memcpy(out + h, reply, body);
      if (send_bytes(c, out, h + body) < 0) return -1;
    }
    size_t used = off + 4 + len;
    memmove(c->in, c->in + used, c->in_len - used);
    c->in_len -= used;
  }
}

static void on_readable(client_t *c) {
  for (;;) {
    ssize_t n = read(c->fd, c->in + c->in_len, IN_CAP - c->in_len);
    if (n == 0 || (n < 0 && errno != EAGAIN)) { drop(c); return; }
    if (n < 0) return;
    c->in_len += (size_t)n;
    if ((!c->upgraded && handshake(c) < 0) || (c->upgraded && frames(c) < 0)) { drop(c); return; }
  }
}

/* ---- the feed: length-prefixed payloads on stdin, each written as one frame to everyone ---- */
static char *feed;
static size_t feed_len, feed_cap = 1 << 20;

static void broadcast(const char *payload, size_t len) {
  static char *frame;
  static size_t frame_cap;
  if (len + 10 > frame_cap) { frame_cap = len + 10; frame = realloc(frame, frame_cap); }
  size_t h = frame_header(frame, len, 1);
  memcpy(frame + h, payload, len);
  for (int fd = 0; fd < clients_cap; fd++) {
    client_t *c = clients[fd];
    if (c && c->subscribed && send_bytes(c, frame, h + len) < 0) drop(c);
  }
}

static void on_feed(void) {
  for (;;) {
    if (feed_cap - feed_len < 65536) { feed_cap *= 2; feed = realloc(feed, feed_cap); }
    ssize_t n = read(0, feed + feed_len, feed_cap - feed_len);
    if (n == 0) exit(0); /* the feeder is gone */
    if (n < 0) { if (errno == EAGAIN) break; exit(1); }
    feed_len += (size_t)n;
  }
  size_t off = 0;
  while (feed_len - off >= 4) {
    unsigned char *p = (unsigned char *)feed + off;
    size_t len = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
    if (feed_len - off < 4 + len) break;
    broadcast(feed + off + 4, len);
    off += 4 + len;
  }
  memmove(feed, feed + off, feed_len - off);
  feed_len -= off;
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  clients_cap = 1 << 20;
  clients = calloc((size_t)clients_cap, sizeof *clients);
  feed = malloc(feed_cap);
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 4096) < 0) { perror("listen"); return 1; }
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  epfd = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
  epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
  ev.data.fd = 0;
  epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &ev);
  printf("listening\n");
  fflush(stdout);
  struct epoll_event events[MAX_EVENTS];
  for (;;) {
    int n = epoll_wait(epfd, events, MAX_EVENTS, -1);
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        int cfd;
        while ((cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          if (cfd >= clients_cap) { close(cfd); continue; }
          setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          client_t *c = calloc(1, sizeof *c);
          c->fd = cfd;
          clients[cfd] = c;
          struct epoll_event cev = {.events = EPOLLIN, .data.fd = cfd};
          epoll_ctl(epfd, EPOLL_CTL_ADD, cfd, &cev);
        }
      } else if (fd == 0) {
        on_feed();
      } else if (clients[fd]) {
        if (events[i].events & EPOLLOUT) flush_out(clients[fd]);
        if (clients[fd] && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) on_readable(clients[fd]);
      }
    }
  }
}

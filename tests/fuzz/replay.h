/* Netlink replies replayed from a buffer, for nft_netlink_ruleset_io()
 * (core/nft_netlink.h): the fuzz harness and the unit test read the same
 * format, which tests/helpers/nft_capture.c writes from the kernel.
 *
 * The buffer is a sequence of datagrams, each a 4-byte little-endian length
 * and that many bytes (the last one is cut where the buffer ends); each recv
 * gets the next one, and there is nothing more (-ENODATA) after the last.
 * The requests sent are checked for their length and counted: the dump's sequence numbers start at 0,
 * as in the capture, so the replies answer them in order. */
#ifndef CISREPORT_FUZZ_REPLAY_H
#define CISREPORT_FUZZ_REPLAY_H

#include <errno.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "core/nft_netlink.h"

struct replay {
	const uint8_t *p;
	size_t left;
	size_t requests, datagrams;
};

static int replay_send(void *ctx, const void *msg, size_t len)
{
	struct replay *r = ctx;
	const struct nlmsghdr *nlh = msg;
	if (len < NLMSG_HDRLEN || nlh->nlmsg_len != len)
		abort(); /* the decoder's own request is malformed */
	r->requests++;
	return 0;
}

static ssize_t replay_recv(void *ctx, void *buf, size_t size)
{
	struct replay *r = ctx;
	if (r->left < 4)
		return -ENODATA;
	size_t len = (size_t)r->p[0] | (size_t)r->p[1] << 8 | (size_t)r->p[2] << 16 |
		     (size_t)r->p[3] << 24;
	r->p += 4;
	r->left -= 4;
	if (len > r->left)
		len = r->left;
	memcpy(buf, r->p, len < size ? len : size);
	r->p += len;
	r->left -= len;
	r->datagrams++;
	return (ssize_t)len;
}

/* The ruleset decoded from the replies in [data, data + size). */
static inline int replay_ruleset(const uint8_t *data, size_t size, struct replay *r, json_t **out,
				 char *why, size_t why_size)
{
	*r = (struct replay){.p = data, .left = size};
	struct nft_netlink_io io = {.send = replay_send, .recv = replay_recv, .ctx = r};
	return nft_netlink_ruleset_io(&io, 0, out, why, why_size);
}

#endif

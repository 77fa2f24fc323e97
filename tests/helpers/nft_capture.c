/* Records the kernel's replies to the nf_tables dump that cisreport makes
 * (core/nft_netlink.c, through its nft_netlink_ruleset_io seam) in the
 * replay format of tests/fuzz/replay.h: the seeds of fuzz_nft_netlink and
 * the replies test_nft_netlink decodes. Run it only in a private network
 * namespace holding the ruleset to capture (tests/fuzz/capture_nft_netlink.sh
 * does: unshare -n, nft -f), never on the host.
 *
 *   nft_capture OUT     writes OUT (replaced), prints the decoded document */
#include <errno.h>
#include <jansson.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/nft_netlink.h"

struct capture {
	int fd;
	FILE *out;
};

static int cap_send(void *ctx, const void *msg, size_t len)
{
	struct capture *c = ctx;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	return sendto(c->fd, msg, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0 ? -errno : 0;
}

static ssize_t cap_recv(void *ctx, void *buf, size_t size)
{
	struct capture *c = ctx;
	ssize_t got = recv(c->fd, buf, size, MSG_TRUNC);
	if (got < 0)
		return -errno;
	size_t kept = (size_t)got < size ? (size_t)got : size;
	unsigned char len[4] = {kept & 0xff, kept >> 8 & 0xff, kept >> 16 & 0xff, kept >> 24 & 0xff};
	if (fwrite(len, 1, 4, c->out) != 4 || fwrite(buf, 1, kept, c->out) != kept)
		return -EIO;
	return got;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: nft_capture OUT\n");
		return 2;
	}
	struct capture c = {.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER)};
	if (c.fd < 0) {
		perror("netlink socket");
		return 1;
	}
	if (!(c.out = fopen(argv[1], "wb"))) {
		perror(argv[1]);
		return 1;
	}
	struct nft_netlink_io io = {.send = cap_send, .recv = cap_recv, .ctx = &c};
	json_t *doc;
	char why[256];
	int rc = nft_netlink_ruleset_io(&io, 0, &doc, why, sizeof(why));
	close(c.fd);
	if (fclose(c.out) || rc) {
		fprintf(stderr, "nft_capture: %s\n", rc ? why : strerror(errno));
		unlink(argv[1]);
		return 1;
	}
	json_dumpf(doc, stdout, JSON_INDENT(1));
	putchar('\n');
	json_decref(doc);
	return 0;
}

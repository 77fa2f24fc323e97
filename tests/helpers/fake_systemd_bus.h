/* A stand-in for systemd's org.freedesktop.systemd1 on a bus (the machine
 * has no systemd), shared by tests/helpers/fake_systemd.c (the daemon's
 * units test) and tests/unit/test_chrony.c: Manager.GetUnit (the one unit
 * served; any other is org.freedesktop.systemd1.NoSuchUnit),
 * Manager.Subscribe, and that unit's ActiveState (emits change).
 *
 * The unit's object path is the caller's: each test spells it itself, so
 * that the code under test's own escaping is checked against it. */
#ifndef CISREPORT_FAKE_SYSTEMD_BUS_H
#define CISREPORT_FAKE_SYSTEMD_BUS_H

#include <systemd/sd-bus.h>

struct fake_unit {
	const char *name; /* "chronyd.service" */
	const char *path; /* its object path, "/org/freedesktop/systemd1/unit/..." */
	char state[64];   /* ActiveState, as served now */
};

/* Connects to the bus at address, serves unit there and takes the name
 * org.freedesktop.systemd1. Returns the connection in *out, or a negative
 * errno. unit must outlive the connection. */
int fake_systemd_serve(const char *address, struct fake_unit *unit, sd_bus **out);

#endif

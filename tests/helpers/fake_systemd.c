/* fake_systemd: plays org.freedesktop.systemd1 on a private bus for the
 * daemon's units tests (the machine has no systemd): Manager.GetUnit and
 * Manager.Subscribe, and one unit's ActiveState. Each line on stdin is a
 * new state for a unit: "STATE" (the served unit) or "STATE UNIT" (another
 * unit's object, for a signal about some other unit); it emits
 * PropertiesChanged for that unit, flushes it to the bus daemon, makes one
 * round trip through the bus daemon, and prints "emitted UNIT" on stdout.
 *
 *   fake_systemd ADDRESS UNIT STATE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>

#include "fake_systemd_bus.h"

/* The object path of a unit, escaped as systemd does (bus_label_escape),
 * spelt here rather than taken from the code under test. */
static void object_path(const char *name, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "/org/freedesktop/systemd1/unit/");
	for (const unsigned char *p = (const unsigned char *)name; *p && n + 4 < size; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
			buf[n++] = (char)*p;
		else
			n += (size_t)snprintf(buf + n, size - n, "_%02x", *p);
	}
	buf[n] = '\0';
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: fake_systemd ADDRESS UNIT STATE\n");
		return 2;
	}
	char path[512];
	object_path(argv[2], path, sizeof(path));
	struct fake_unit unit = {.name = argv[2], .path = path};
	snprintf(unit.state, sizeof(unit.state), "%s", argv[3]);
	sd_bus *bus = NULL;
	if (fake_systemd_serve(argv[1], &unit, &bus) < 0) {
		fprintf(stderr, "fake_systemd: cannot serve on %s\n", argv[1]);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	char line[256];
	for (;;) {
		struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
				      {.fd = sd_bus_get_fd(bus), .events = (short)sd_bus_get_events(bus)}};
		while (sd_bus_process(bus, NULL) > 0)
			;
		p[1].events = (short)sd_bus_get_events(bus);
		if (poll(p, 2, -1) < 0)
			return 1;
		if (!(p[0].revents & (POLLIN | POLLHUP)))
			continue;
		if (!fgets(line, sizeof(line), stdin))
			return 0;
		line[strcspn(line, "\n")] = '\0';
		char *other = strchr(line, ' ');
		if (other)
			*other++ = '\0';
		char opath[512];
		if (other) {
			/* Another unit: a signal on its object, with a value of its own. */
			object_path(other, opath, sizeof(opath));
			sd_bus_message *m = NULL;
			if (sd_bus_message_new_signal(bus, &m, opath, "org.freedesktop.DBus.Properties",
						      "PropertiesChanged") < 0 ||
			    sd_bus_message_append(m, "sa{sv}as", "org.freedesktop.systemd1.Unit", 1,
						  "ActiveState", "s", line, 0) < 0 ||
			    sd_bus_send(bus, m, NULL) < 0)
				return 1;
			sd_bus_message_unref(m);
		} else {
			snprintf(unit.state, sizeof(unit.state), "%s", line);
			if (sd_bus_emit_properties_changed(bus, path, "org.freedesktop.systemd1.Unit",
							   "ActiveState", NULL) < 0)
				return 1;
		}
		/* Through the bus daemon and back: it has routed the signal. */
		sd_bus_error error = SD_BUS_ERROR_NULL;
		sd_bus_message *reply = NULL;
		if (sd_bus_flush(bus) < 0 ||
		    sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
				       "org.freedesktop.DBus", "GetId", &error, &reply, "") < 0)
			return 1;
		sd_bus_message_unref(reply);
		sd_bus_error_free(&error);
		printf("emitted %s\n", other ? other : unit.name);
		fflush(stdout);
	}
}

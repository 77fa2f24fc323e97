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

#include <systemd/sd-bus.h>

static const char *unit;
static char state[64];

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

static int get_unit(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	(void)userdata;
	(void)error;
	const char *name;
	int rc = sd_bus_message_read(m, "s", &name);
	if (rc < 0)
		return rc;
	if (strcmp(name, unit) != 0)
		return sd_bus_reply_method_errorf(m, "org.freedesktop.systemd1.NoSuchUnit",
						  "Unit %s not loaded.", name);
	char path[512];
	object_path(unit, path, sizeof(path));
	return sd_bus_reply_method_return(m, "o", path);
}

static int subscribe(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	(void)userdata;
	(void)error;
	return sd_bus_reply_method_return(m, "");
}

static int get_active_state(sd_bus *bus, const char *path, const char *interface,
			    const char *property, sd_bus_message *reply, void *userdata,
			    sd_bus_error *error)
{
	(void)bus, (void)path, (void)interface, (void)property, (void)userdata, (void)error;
	return sd_bus_message_append(reply, "s", state);
}

static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("GetUnit", "s", "o", get_unit, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("Subscribe", "", "", subscribe, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable unit_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("ActiveState", "s", get_active_state, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_VTABLE_END,
};

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: fake_systemd ADDRESS UNIT STATE\n");
		return 2;
	}
	unit = argv[2];
	snprintf(state, sizeof(state), "%s", argv[3]);
	char path[512];
	object_path(unit, path, sizeof(path));
	sd_bus *bus = NULL;
	if (sd_bus_new(&bus) < 0 || sd_bus_set_address(bus, argv[1]) < 0 ||
	    sd_bus_set_bus_client(bus, 1) < 0 || sd_bus_start(bus) < 0 ||
	    sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/systemd1",
				     "org.freedesktop.systemd1.Manager", manager_vtable, NULL) < 0 ||
	    sd_bus_add_object_vtable(bus, NULL, path, "org.freedesktop.systemd1.Unit", unit_vtable,
				     NULL) < 0 ||
	    sd_bus_request_name(bus, "org.freedesktop.systemd1", 0) < 0) {
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
			snprintf(state, sizeof(state), "%s", line);
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
		printf("emitted %s\n", other ? other : unit);
		fflush(stdout);
	}
}

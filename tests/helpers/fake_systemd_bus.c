/* See fake_systemd_bus.h. */
#include "fake_systemd_bus.h"

#include <string.h>

static int get_unit(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	(void)error;
	const struct fake_unit *unit = userdata;
	const char *name;
	int rc = sd_bus_message_read(m, "s", &name);
	if (rc < 0)
		return rc;
	if (strcmp(name, unit->name) != 0)
		return sd_bus_reply_method_errorf(m, "org.freedesktop.systemd1.NoSuchUnit",
						  "Unit %s not loaded.", name);
	return sd_bus_reply_method_return(m, "o", unit->path);
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
	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	const struct fake_unit *unit = userdata;
	return sd_bus_message_append(reply, "s", unit->state);
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

int fake_systemd_serve(const char *address, struct fake_unit *unit, sd_bus **out)
{
	sd_bus *bus = NULL;
	int rc;
	if ((rc = sd_bus_new(&bus)) < 0 || (rc = sd_bus_set_address(bus, address)) < 0 ||
	    (rc = sd_bus_set_bus_client(bus, 1)) < 0 || (rc = sd_bus_start(bus)) < 0 ||
	    (rc = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/systemd1",
					   "org.freedesktop.systemd1.Manager", manager_vtable,
					   unit)) < 0 ||
	    (rc = sd_bus_add_object_vtable(bus, NULL, unit->path, "org.freedesktop.systemd1.Unit",
					   unit_vtable, unit)) < 0 ||
	    (rc = sd_bus_request_name(bus, "org.freedesktop.systemd1", 0)) < 0) {
		sd_bus_unref(bus);
		return rc;
	}
	*out = bus;
	return 0;
}

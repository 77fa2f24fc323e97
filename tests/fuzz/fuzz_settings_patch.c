/* The PATCH /settings handler over a request body (settings_patch_text):
 * JSON merge over the current settings, the rules the daemon applies
 * (waivers expire in the future, the actor recorded). */
#include <jansson.h>

#include "fuzz.h"
#include "settings/settings.h"

static bool check_exists(const char *name, char *hint, size_t hint_size, void *ctx)
{
	(void)hint, (void)hint_size, (void)ctx;
	return strncmp(name, "br", 2) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct settings base, next;
	char err[1024];
	if (settings_init(&base) != 0)
		return 0;
	struct settings_actor actor = {.uid = 1000, .pid = 42, .at = 1767225600};
	struct settings_rules rules = {
		.check_exists = check_exists, .now = actor.at, .actor = &actor};
	if (settings_patch_text(&base, (const char *)data, size, &rules, &next, err,
				sizeof(err)) == 0) {
		/* A second patch over the result, as a next request would. */
		struct settings again;
		if (settings_patch_text(&next, (const char *)data, size, &rules, &again, err,
					sizeof(err)) == 0)
			settings_free(&again);
		json_t *doc = settings_to_json(&next);
		json_decref(doc);
		settings_free(&next);
	}
	settings_free(&base);
	return 0;
}

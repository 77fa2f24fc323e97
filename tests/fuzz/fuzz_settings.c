/* settings.json and its waivers (settings/settings.c): a whole document
 * over the defaults, then written back as JSON and read again. */
#include <jansson.h>

#include "fuzz.h"
#include "settings/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct settings s;
	char err[1024];
	if (settings_parse("settings.json", (const char *)data, size, &s, err, sizeof(err)) != 0)
		return 0;
	json_t *doc = settings_to_json(&s);
	char *text = doc ? json_dumps(doc, JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (text) {
		struct settings again;
		/* What we write we must read back. */
		FUZZ_ASSERT(settings_parse("again", text, strlen(text), &again, err, sizeof(err)) == 0);
		settings_free(&again);
		free(text);
	}
	settings_free(&s);
	return 0;
}

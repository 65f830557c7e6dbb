/* Unit tests for the JSON input specs (src/util/json_spec.c): a bound spec checks a body and
 * binds it into a typed command struct by offsetof, as POST /complaints and PATCH
 * /complaints/{id} do with COMPLAINT_INPUT_FIELDS (domain/complaint.h). A misspelt key, a missing
 * required field and a number that is not an integer give the 400 error with its code and field;
 * a valid body fills the struct; JSON null reads as each kind says. */
#include "domain/complaint/service.h"
#include "util/json_spec.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

/* The tables the api binds with (api/complaints.c), rebuilt here from the same macro. */
static const struct field_bind create_spec[] = {
	COMPLAINT_INPUT_FIELDS(struct complaint_create_cmd, input.),
	{{"draft", F_BOOL, false, 0, 0, "暂存"}, FB_BOOL, offsetof(struct complaint_create_cmd, draft)},
	FIELD_BIND_END,
};
static const struct field_bind edit_spec[] = {
	COMPLAINT_INPUT_FIELDS(struct complaint_edit_cmd, input.),
	{{"version", F_INT, true, 0, 0, "版本号"}, FB_INT, offsetof(struct complaint_edit_cmd, version)},
	FIELD_BIND_END,
};

static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &err);
	if (!j)
		fail_msg("bad test JSON: %s", err.text);
	return j;
}

/* Checks text against spec and expects a refusal with code, field and message. */
static void refused(const struct field_bind *spec, const char *text, const char *code, const char *field,
		    const char *message)
{
	json_t *body = parse(text);
	struct spec_error err;
	assert_int_equal(json_spec_check_bound(body, spec, &err), -1);
	assert_string_equal(err.code, code);
	if (field)
		assert_string_equal(err.field, field);
	else
		assert_null(err.field);
	assert_string_equal(err.message, message);
	json_decref(body);
}

static void test_valid_body_fills_the_command(void **state)
{
	(void)state;
	json_t *body = parse("{\"source_channel\":\"phone\",\"received_at\":\"2026-11-27T09:30:00+08:00\","
			     "\"complainant\":{\"name\":\"张三\"},\"complained_org_id\":7,\"region_code\":\"110101\","
			     "\"business_channel_code\":\"A01\",\"business_type_code\":\"B0101\",\"cause_code\":\"C01\","
			     "\"rights\":[\"R1\",\"R2\"],\"content\":\"扣费不明\",\"demand\":\"退款\",\"amount_fen\":12345,"
			     "\"external_no\":\"EXT-9\",\"tags\":[\"major\"],\"group_size\":3,\"draft\":true}");
	struct spec_error err;
	assert_int_equal(json_spec_check_bound(body, create_spec, &err), 0);
	struct complaint_create_cmd cmd = {0};
	json_spec_bind(body, create_spec, &cmd);
	const struct complaint_input *in = &cmd.input;
	assert_true(cmd.draft);
	assert_string_equal(in->source_channel, "phone");
	assert_string_equal(in->received_at, "2026-11-27T09:30:00+08:00");
	assert_ptr_equal(in->complainant, json_object_get(body, "complainant"));
	assert_int_equal(in->complained_org_id, 7);
	assert_string_equal(in->region_code, "110101");
	assert_string_equal(in->business_channel_code, "A01");
	assert_string_equal(in->business_type_code, "B0101");
	assert_string_equal(in->cause_code, "C01");
	assert_int_equal(json_array_size(in->rights), 2);
	assert_string_equal(in->content, "扣费不明");
	assert_string_equal(in->demand, "退款");
	assert_true(in->amount_fen.set);
	assert_int_equal(in->amount_fen.v, 12345);
	assert_string_equal(in->external_no, "EXT-9");
	assert_int_equal(json_array_size(in->tags), 1);
	assert_true(in->group_size.set);
	assert_int_equal(in->group_size.v, 3);
	assert_null(cmd.fixed_no); /* not a body field: untouched */
	json_decref(body);
}

static void test_absent_and_null_members(void **state)
{
	(void)state;
	json_t *body = parse("{\"version\":4,\"content\":null,\"region_code\":null,\"amount_fen\":null,\"rights\":null,"
			     "\"complainant\":null}");
	struct spec_error err;
	assert_int_equal(json_spec_check_bound(body, edit_spec, &err), 0);
	struct complaint_edit_cmd cmd = {.id = 99, .input = {.amount_fen = OPT_SOME(5)}};
	json_spec_bind(body, edit_spec, &cmd);
	assert_int_equal(cmd.id, 99);
	assert_int_equal(cmd.version, 4);
	assert_string_equal(cmd.input.content, ""); /* FB_CLEAR: a null clears the text */
	assert_null(cmd.input.region_code);	    /* FB_TEXT: a null is not given */
	assert_false(cmd.input.amount_fen.set);	    /* FB_OPT: a null unsets */
	assert_true(json_is_null(cmd.input.rights)); /* FB_JSON: as sent, for the domain to refuse */
	assert_true(json_is_null(cmd.input.complainant));
	assert_null(cmd.input.demand); /* absent */
	assert_null(cmd.input.source_channel);
	assert_int_equal(cmd.input.complained_org_id, 0);
	assert_false(cmd.input.group_size.set);
	json_decref(body);
}

static void test_misspelt_key(void **state)
{
	(void)state;
	refused(create_spec, "{\"content\":\"x\",\"cause_cod\":\"C01\"}", "unknown_field", "cause_cod",
		"不支持的字段：cause_cod");
	refused(edit_spec, "{\"version\":1,\"draft\":true}", "unknown_field", "draft", "不支持的字段：draft");
}

static void test_missing_required(void **state)
{
	(void)state;
	refused(edit_spec, "{\"content\":\"x\"}", "missing_field", "version", "版本号不能为空");
	refused(edit_spec, "{\"version\":null}", "missing_field", "version", "版本号不能为空");
}

static void test_wrong_types_and_limits(void **state)
{
	(void)state;
	/* a number past int64 is not an integer (jansson reads 1e30 as a real) */
	refused(create_spec, "{\"amount_fen\":1e30}", "invalid_field", "amount_fen", "涉及金额必须是整数");
	refused(edit_spec, "{\"version\":1.5}", "invalid_field", "version", "版本号必须是整数");
	refused(create_spec, "{\"complained_org_id\":-3}", "invalid_field", "complained_org_id",
		"被投诉机构必须是有效的编号");
	refused(create_spec, "{\"draft\":\"yes\"}", "invalid_field", "draft", "暂存必须是true或false");
	refused(create_spec, "{\"region_code\":\"1101011\"}", "invalid_field", "region_code",
		"行政区划长度不能超过6个字符");
	refused(create_spec, "{\"content\":\"a\\u0001b\"}", "invalid_field", "content", "投诉内容不能包含控制字符");
	refused(create_spec, "{\"tags\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]}", "invalid_field", "tags",
		"标签项数过多");
	refused(create_spec, "{\"complainant\":\"张三\"}", "invalid_field", "complainant", "投诉人必须是对象");
	refused(create_spec, "[1]", "invalid_json", NULL, "请求体必须是JSON对象");
}

/* An integer past int64 is no JSON jansson reads: the server answers 400 invalid_json first
 * (http/server.c); here the parse itself fails, so nothing reaches a spec. */
static void test_integer_overflow_does_not_parse(void **state)
{
	(void)state;
	json_error_t err;
	json_t *j = json_loads("{\"amount_fen\":99999999999999999999}", 0, &err);
	assert_null(j);
	assert_int_equal(json_error_code(&err), json_error_numeric_overflow);
}

/* A plain spec and a bound spec share the checker: the same body gives the same error. */
static void test_plain_spec_same_checker(void **state)
{
	(void)state;
	static const struct field_spec plain[] = {{"version", F_INT, true, 0, 0, "版本号"}, {NULL}};
	json_t *body = parse("{\"versoin\":1}");
	struct spec_error err;
	assert_int_equal(json_spec_check(body, plain, &err), -1);
	assert_string_equal(err.code, "unknown_field");
	assert_string_equal(err.field, "versoin");
	json_decref(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_body_fills_the_command), cmocka_unit_test(test_absent_and_null_members),
		cmocka_unit_test(test_misspelt_key),		     cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_wrong_types_and_limits),	     cmocka_unit_test(test_integer_overflow_does_not_parse),
		cmocka_unit_test(test_plain_spec_same_checker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Firehose codec against the documents of the protocol reference (section 3), typed in from the
 * document, never produced by our own encoder. Where the reference elides attributes ("…"), the
 * attributes come from the same section's tables. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/firehose.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof(*(a)))

/* Section 3.1 (device) and 3.2 (QFirehose host) framing around the section's element lines. */
#define DEV_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n"
#define DEV_TAIL "</data>"
#define QF_HEAD  "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n"
#define QF_TAIL  "\n</data>"

/* Section 3.1, byte for byte. */
static const char log_fixture[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<log "
                                  "value=\"INFO: Calling handler for configure\" /></data>";
static const char ack_fixture[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<response "
                                  "value=\"ACK\" rawmode=\"false\" /></data>";

/* Section 3.5: the real RM500Q exchange (note the double space in the request). */
#define RM500Q_CONFIGURE                                                                           \
        "<configure MemoryName=\"nand\" Verbose=\"0\" AlwaysValidate=\"0\" "                       \
        "MaxDigestTableSizeInBytes=\"2048\" MaxPayloadSizeToTargetInBytes=\"8192\"  "              \
        "ZlpAwareHost=\"1\" SkipStorageInit=\"0\" />"
#define RM500Q_ACK                                                                                 \
        "<response value=\"ACK\" MemoryName=\"nand\" MinVersionSupported=\"1\" Version=\"1\" "     \
        "MaxPayloadSizeToTargetInBytes=\"8192\" MaxPayloadSizeToTargetInBytesSupported=\"8192\" "  \
        "MaxXMLSizeInBytes=\"4096\" DateTime=\"Apr 19 2020 - 17:49:11\" />"
/* The dance's NAK, without the reference's trailing "…". */
#define DANCE_NAK                                                                                  \
        "<response value=\"NAK\" MemoryName=\"nand\" MaxPayloadSizeToTargetInBytes=\"8192\" "      \
        "MaxPayloadSizeToTargetInBytesSupported=\"8192\" MaxXMLSizeInBytes=\"4096\" />"
#define DANCE_CONFIGURE                                                                            \
        "<configure MemoryName=\"nand\" MaxPayloadSizeToTargetInBytes=\"8192\" "                   \
        "ZlpAwareHost=\"1\" "                                                                      \
        "SkipStorageInit=\"0\" />"

/* Section 3.7. */
#define PROGRAM_LINE                                                                               \
        "<program SECTOR_SIZE_IN_BYTES=\"4096\" num_partition_sectors=\"141\" "                    \
        "physical_partition_number=\"0\" start_sector=\"0\" filename=\"..\\sbl1.mbn\" "            \
        "PAGES_PER_BLOCK=\"64\" />"
#define READ_LINE                                                                                  \
        "<read SECTOR_SIZE_IN_BYTES=\"4096\" num_partition_sectors=\"1\" "                         \
        "physical_partition_number=\"0\" start_sector=\"1\" />"
#define ERASE_LINE                                                                                 \
        "<erase PAGES_PER_BLOCK=\"64\" SECTOR_SIZE_IN_BYTES=\"4096\" "                             \
        "num_partition_sectors=\"640\" "                                                           \
        "physical_partition_number=\"0\" start_sector=\"0\" />"
#define PATCH_LINE                                                                                 \
        "<patch SECTOR_SIZE_IN_BYTES=\"4096\" byte_offset=\"48\" filename=\"DISK\" "               \
        "physical_partition_number=\"0\" size_in_bytes=\"8\" "                                     \
        "start_sector=\"NUM_DISK_SECTORS-1.\" "                                                    \
        "value=\"NUM_DISK_SECTORS-6.\" what=\"Update Backup Header with LastUseableLBA.\" />"
#define GETSTORAGEINFO_LINE "<getstorageinfo physical_partition_number=\"0\" />"
#define SHA256_LINE                                                                                \
        "<getsha256digest SECTOR_SIZE_IN_BYTES=\"4096\" num_partition_sectors=\"2048\" "           \
        "physical_partition_number=\"0\" start_sector=\"6\" />"
#define BOOTABLE_LINE    "<setbootablestoragedrive value=\"1\" />"
#define POWER_LINE       "<power value=\"reset\" />"
#define POWER_DELAY_LINE "<power DelayInSeconds=\"10\" value=\"reset\" />"
#define NOP_LINE         "<nop />"

/* Section 3.6. */
#define REFUSAL_TEXT                                                                               \
        "ERROR: Attribute 'SECTOR_SIZE_IN_BYTES'=512 must be equal to disk sector size 4096"
#define REFUSAL_LINE                                                                               \
        "<log value=\"ERROR: Attribute 'SECTOR_SIZE_IN_BYTES'=512 must be equal to disk sector "   \
        "size 4096\" />"

/* Section 3.12: the JSON as the host sees it, and as it travels. */
#define STORAGE_JSON                                                                               \
        "INFO: {\"storage_info\": {\"total_blocks\":30119936, \"block_size\":4096, "               \
        "\"page_size\":4096, \"num_physical\":6, \"manufacturer_id\":408, "                        \
        "\"serial_num\":1212760641, \"fw_version\":\"300\",\"mem_type\":\"UFS\","                  \
        "\"prod_name\":\"THGAF8T0T43BAIRB0300\"}}"
#define STORAGE_WIRE                                                                               \
        "<log value=\"INFO: {&quot;storage_info&quot;: {&quot;total_blocks&quot;:30119936, "       \
        "&quot;block_size&quot;:4096, &quot;page_size&quot;:4096, &quot;num_physical&quot;:6, "    \
        "&quot;manufacturer_id&quot;:408, &quot;serial_num&quot;:1212760641, "                     \
        "&quot;fw_version&quot;:&quot;300&quot;,&quot;mem_type&quot;:&quot;UFS&quot;,"             \
        "&quot;prod_name&quot;:&quot;THGAF8T0T43BAIRB0300&quot;}}\" />"

struct kv {
        const char *name;
        const char *value;
};

/* ---- Device framing ---- */

static void test_build_device_framing(void **state)
{
        static const struct sf_firehose_attr rawmode_false[] = {{"rawmode", "false"}};
        char out[256];
        int r;

        (void)state;
        r = sf_firehose_build_log(out, sizeof(out), "INFO: Calling handler for configure");
        assert_int_equal(r, (int)strlen(log_fixture));
        assert_string_equal(out, log_fixture);
        r = sf_firehose_build_response(out, sizeof(out), true, rawmode_false, 1);
        assert_int_equal(r, (int)strlen(ack_fixture));
        assert_string_equal(out, ack_fixture);

        /* Exactly the document plus its NUL fits; one byte less does not, and is left alone. */
        r = sf_firehose_build_log(out, strlen(log_fixture) + 1,
                                  "INFO: Calling handler for configure");
        assert_int_equal(r, (int)strlen(log_fixture));
        memset(out, 'x', sizeof(out));
        r = sf_firehose_build_log(out, strlen(log_fixture), "INFO: Calling handler for configure");
        assert_int_equal(r, -ENOBUFS);
        assert_int_equal(out[0], 'x');
        assert_int_equal(sf_firehose_build_response(out, 10, true, NULL, 0), -ENOBUFS);
}

static void test_parse_device_framing(void **state)
{
        struct sf_firehose_reply rep;

        (void)state;
        assert_int_equal(sf_firehose_parse_reply(log_fixture, strlen(log_fixture), &rep), 0);
        assert_int_equal(rep.kind, SF_FIREHOSE_REPLY_LOG);
        assert_string_equal(rep.text, "INFO: Calling handler for configure");
        assert_int_equal(rep.attrs.n, 0);

        assert_int_equal(sf_firehose_parse_reply(ack_fixture, strlen(ack_fixture), &rep), 0);
        assert_int_equal(rep.kind, SF_FIREHOSE_REPLY_RESPONSE);
        assert_true(rep.ack);
        assert_int_equal(rep.rawmode, SF_FIREHOSE_RAWMODE_FALSE);
        assert_int_equal(rep.attrs.n, 0);
}

/* ---- Section 3.5 ---- */

static void check_attrs(const char *row, const struct sf_firehose_attr_set *set,
                        const struct kv *want, size_t n_want)
{
        size_t n = 0;

        for (size_t i = 0; i < n_want && want[i].name; i++, n++) {
                const char *got = sf_firehose_attr_get(set, want[i].name);
                if (!got || strcmp(got, want[i].value) != 0)
                        print_error("%s: %s is \"%s\", expected \"%s\"\n", row, want[i].name,
                                    got ? got : "(absent)", want[i].value);
                assert_non_null(got);
                assert_string_equal(got, want[i].value);
        }
        if (set->n != n)
                print_error("%s: %zu attributes, expected %zu\n", row, set->n, n);
        assert_int_equal(set->n, n);
}

static void test_configure_exchange(void **state)
{
        static const char request[] = QF_HEAD RM500Q_CONFIGURE QF_TAIL;
        static const char ack[] = DEV_HEAD RM500Q_ACK DEV_TAIL;
        static const char nak[] = DEV_HEAD DANCE_NAK DEV_TAIL;
        static const struct kv want_request[] = {
                {"MemoryName", "nand"},
                {"Verbose", "0"},
                {"AlwaysValidate", "0"},
                {"MaxDigestTableSizeInBytes", "2048"},
                {"MaxPayloadSizeToTargetInBytes", "8192"},
                {"ZlpAwareHost", "1"},
                {"SkipStorageInit", "0"},
        };
        static const struct kv want_ack[] = {
                {"MemoryName", "nand"},
                {"MinVersionSupported", "1"},
                {"Version", "1"},
                {"MaxPayloadSizeToTargetInBytes", "8192"},
                {"MaxPayloadSizeToTargetInBytesSupported", "8192"},
                {"MaxXMLSizeInBytes", "4096"},
                {"DateTime", "Apr 19 2020 - 17:49:11"},
        };
        struct sf_firehose_command cmd;
        struct sf_firehose_reply rep;
        uint64_t v;

        (void)state;
        assert_int_equal(sf_firehose_parse_command(request, strlen(request), &cmd), 0);
        assert_int_equal(cmd.cmd, SF_FIREHOSE_CMD_CONFIGURE);
        check_attrs("RM500Q configure", &cmd.attrs, want_request, N_ELEMENTS(want_request));
        assert_int_equal(sf_firehose_attr_u64(&cmd.attrs, "ZLPAwareHost", &v), 0);
        assert_int_equal(v, 1);

        assert_int_equal(sf_firehose_parse_reply(ack, strlen(ack), &rep), 0);
        assert_int_equal(rep.kind, SF_FIREHOSE_REPLY_RESPONSE);
        assert_true(rep.ack);
        assert_int_equal(rep.rawmode, SF_FIREHOSE_RAWMODE_ABSENT);
        check_attrs("RM500Q ACK", &rep.attrs, want_ack, N_ELEMENTS(want_ack));

        assert_int_equal(sf_firehose_parse_reply(nak, strlen(nak), &rep), 0);
        assert_false(rep.ack);
        assert_int_equal(sf_firehose_attr_u64(&rep.attrs, "maxpayloadsizetotargetinbytes", &v), 0);
        assert_int_equal(v, 8192);
        assert_int_equal(sf_firehose_attr_u64(&rep.attrs, "MaxXMLSizeInBytes", &v), 0);
        assert_int_equal(v, 4096);
        assert_int_equal(sf_firehose_attr_u64(&rep.attrs, "TargetName", &v), -ENOENT);
        assert_int_equal(sf_firehose_attr_u64(&rep.attrs, "MemoryName", &v), -EINVAL);
}

/* The simulator answering like the RM500Q, byte for byte. */
static void test_build_configure_ack(void **state)
{
        static const struct sf_firehose_attr attrs[] = {
                {"MemoryName", "nand"},
                {"MinVersionSupported", "1"},
                {"Version", "1"},
                {"MaxPayloadSizeToTargetInBytes", "8192"},
                {"MaxPayloadSizeToTargetInBytesSupported", "8192"},
                {"MaxXMLSizeInBytes", "4096"},
                {"DateTime", "Apr 19 2020 - 17:49:11"},
        };
        static const char want[] = DEV_HEAD RM500Q_ACK DEV_TAIL;
        char out[512];

        (void)state;
        assert_int_equal(
                sf_firehose_build_response(out, sizeof(out), true, attrs, N_ELEMENTS(attrs)),
                (int)strlen(want));
        assert_string_equal(out, want);
}

/* ---- Section 3.2: what the four hosts send ---- */

struct cmd_row {
        const char *name;
        const char *doc;
        enum sf_firehose_cmd cmd;
        const char *element;
        struct kv attrs[12];
};

/* clang-format off */
static const struct cmd_row host_forms[] = {
        {"qdl",
         "<?xml version=\"1.0\"?>\n<data><program SECTOR_SIZE_IN_BYTES=\"4096\" "
         "num_partition_sectors=\"10\" physical_partition_number=\"0\" start_sector=\"6\" "
         "filename=\"efi.bin\"/></data>\n",
         SF_FIREHOSE_CMD_PROGRAM, "program",
         {{"SECTOR_SIZE_IN_BYTES", "4096"}, {"num_partition_sectors", "10"},
          {"physical_partition_number", "0"}, {"start_sector", "6"}, {"filename", "efi.bin"}}},
        {"edl",
         "<?xml version=\"1.0\" ?><data>\n" PROGRAM_LINE "\n</data>",
         SF_FIREHOSE_CMD_PROGRAM, "program",
         {{"SECTOR_SIZE_IN_BYTES", "4096"}, {"num_partition_sectors", "141"},
          {"physical_partition_number", "0"}, {"start_sector", "0"}, {"filename", "..\\sbl1.mbn"},
          {"PAGES_PER_BLOCK", "64"}}},
        {"edl configure",
         "<?xml version=\"1.0\" encoding=\"UTF-8\" ?><data>\n<configure MemoryName=\"nand\" "
         "Verbose=\"0\" AlwaysValidate=\"0\" MaxDigestTableSizeInBytes=\"2048\" "
         "MaxPayloadSizeToTargetInBytes=\"1048576\" ZLPAwareHost=\"1\" SkipStorageInit=\"0\" "
         "SkipWrite=\"0\" />\n</data>",
         SF_FIREHOSE_CMD_CONFIGURE, "configure",
         {{"MemoryName", "nand"}, {"Verbose", "0"}, {"AlwaysValidate", "0"},
          {"MaxDigestTableSizeInBytes", "2048"}, {"MaxPayloadSizeToTargetInBytes", "1048576"},
          {"ZlpAwareHost", "1"}, {"SkipStorageInit", "0"}, {"SkipWrite", "0"}}},
        {"fwupd",
         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<data>\n  <configure MemoryName=\"nand\" "
         "MaxPayloadSizeToTargetInBytes=\"1048576\" ZlpAwareHost=\"1\" AlwaysValidate=\"0\" "
         "MaxDigestTableSizeInBytes=\"2048\" SkipStorageInit=\"0\" />\n</data>\n",
         SF_FIREHOSE_CMD_CONFIGURE, "configure",
         {{"MemoryName", "nand"}, {"MaxPayloadSizeToTargetInBytes", "1048576"},
          {"zlpawarehost", "1"}, {"AlwaysValidate", "0"}, {"MaxDigestTableSizeInBytes", "2048"},
          {"SkipStorageInit", "0"}}},
        {"QFirehose", QF_HEAD RM500Q_CONFIGURE QF_TAIL,
         SF_FIREHOSE_CMD_CONFIGURE, "configure",
         {{"MemoryName", "nand"}, {"Verbose", "0"}, {"AlwaysValidate", "0"},
          {"MaxDigestTableSizeInBytes", "2048"}, {"MaxPayloadSizeToTargetInBytes", "8192"},
          {"ZLPAWAREHOST", "1"}, {"SkipStorageInit", "0"}}},
};

/* Section 3.7, in the QFirehose framing. */
static const struct cmd_row reference_commands[] = {
        {"program", QF_HEAD PROGRAM_LINE QF_TAIL, SF_FIREHOSE_CMD_PROGRAM, "program",
         {{"SECTOR_SIZE_IN_BYTES", "4096"}, {"num_partition_sectors", "141"},
          {"physical_partition_number", "0"}, {"start_sector", "0"}, {"filename", "..\\sbl1.mbn"},
          {"PAGES_PER_BLOCK", "64"}}},
        {"read", QF_HEAD READ_LINE QF_TAIL, SF_FIREHOSE_CMD_READ, "read",
         {{"SECTOR_SIZE_IN_BYTES", "4096"}, {"num_partition_sectors", "1"},
          {"physical_partition_number", "0"}, {"start_sector", "1"}}},
        {"erase", QF_HEAD ERASE_LINE QF_TAIL, SF_FIREHOSE_CMD_ERASE, "erase",
         {{"PAGES_PER_BLOCK", "64"}, {"SECTOR_SIZE_IN_BYTES", "4096"},
          {"num_partition_sectors", "640"}, {"physical_partition_number", "0"},
          {"start_sector", "0"}}},
        {"patch", QF_HEAD PATCH_LINE QF_TAIL, SF_FIREHOSE_CMD_PATCH, "patch",
         {{"SECTOR_SIZE_IN_BYTES", "4096"}, {"byte_offset", "48"}, {"filename", "DISK"},
          {"physical_partition_number", "0"}, {"size_in_bytes", "8"},
          {"start_sector", "NUM_DISK_SECTORS-1."}, {"value", "NUM_DISK_SECTORS-6."},
          {"what", "Update Backup Header with LastUseableLBA."}}},
        {"getstorageinfo", QF_HEAD GETSTORAGEINFO_LINE QF_TAIL, SF_FIREHOSE_CMD_GETSTORAGEINFO,
         "getstorageinfo", {{"physical_partition_number", "0"}}},
        {"getsha256digest", QF_HEAD SHA256_LINE QF_TAIL, SF_FIREHOSE_CMD_GETSHA256DIGEST,
         "getsha256digest",
         {{"SECTOR_SIZE_IN_BYTES", "4096"}, {"num_partition_sectors", "2048"},
          {"physical_partition_number", "0"}, {"start_sector", "6"}}},
        {"setbootablestoragedrive", QF_HEAD BOOTABLE_LINE QF_TAIL,
         SF_FIREHOSE_CMD_SETBOOTABLESTORAGEDRIVE, "setbootablestoragedrive", {{"value", "1"}}},
        {"power", QF_HEAD POWER_LINE QF_TAIL, SF_FIREHOSE_CMD_POWER, "power",
         {{"value", "reset"}}},
        {"power delay", QF_HEAD POWER_DELAY_LINE QF_TAIL, SF_FIREHOSE_CMD_POWER, "power",
         {{"DelayInSeconds", "10"}, {"value", "reset"}}},
        {"nop", QF_HEAD NOP_LINE QF_TAIL, SF_FIREHOSE_CMD_NOP, "nop", {{NULL, NULL}}},
        {"configure", QF_HEAD DANCE_CONFIGURE QF_TAIL, SF_FIREHOSE_CMD_CONFIGURE, "configure",
         {{"MemoryName", "nand"}, {"MaxPayloadSizeToTargetInBytes", "8192"},
          {"ZlpAwareHost", "1"}, {"SkipStorageInit", "0"}}},
        {"vendor peek", QF_HEAD "<peek address64=\"0x100000\" SizeInBytes=\"16\" />" QF_TAIL,
         SF_FIREHOSE_CMD_UNKNOWN, "peek", {{"address64", "0x100000"}, {"SizeInBytes", "16"}}},
};
/* clang-format on */

static void check_cmd_rows(const struct cmd_row *rows, size_t n_rows)
{
        for (size_t i = 0; i < n_rows; i++) {
                const struct cmd_row *row = &rows[i];
                struct sf_firehose_command cmd;
                int r = sf_firehose_parse_command(row->doc, strlen(row->doc), &cmd);

                if (r != 0 || cmd.cmd != row->cmd || strcmp(cmd.element, row->element) != 0)
                        print_error("row '%s': r=%d cmd=%s element=%s\n", row->name, r,
                                    sf_firehose_cmd_to_string(cmd.cmd), r ? "?" : cmd.element);
                assert_int_equal(r, 0);
                assert_int_equal(cmd.cmd, row->cmd);
                assert_string_equal(cmd.element, row->element);
                check_attrs(row->name, &cmd.attrs, row->attrs, N_ELEMENTS(row->attrs));
        }
}

static void test_host_forms(void **state)
{
        (void)state;
        check_cmd_rows(host_forms, N_ELEMENTS(host_forms));
}

static void test_command_reference(void **state)
{
        struct sf_firehose_command cmd;
        uint64_t v;

        (void)state;
        check_cmd_rows(reference_commands, N_ELEMENTS(reference_commands));

        /* Typed access to the section 3.7 program line. */
        assert_int_equal(sf_firehose_parse_command(QF_HEAD PROGRAM_LINE QF_TAIL,
                                                   strlen(QF_HEAD PROGRAM_LINE QF_TAIL), &cmd),
                         0);
        assert_int_equal(sf_firehose_attr_u64(&cmd.attrs, "num_partition_sectors", &v), 0);
        assert_int_equal(v, 141);
        assert_int_equal(sf_firehose_attr_u64(&cmd.attrs, "sector_size_in_bytes", &v), 0);
        assert_int_equal(v, 4096);
        assert_int_equal(sf_firehose_attr_u64(&cmd.attrs, "label", &v), -ENOENT);
        assert_int_equal(sf_firehose_attr_u64(&cmd.attrs, "filename", &v), -EINVAL);
        assert_string_equal(sf_firehose_attr_name(&cmd.attrs, 0), "SECTOR_SIZE_IN_BYTES");
        assert_string_equal(sf_firehose_attr_value(&cmd.attrs, 5), "64");
        assert_null(sf_firehose_attr_name(&cmd.attrs, 6));
        assert_null(sf_firehose_attr_value(&cmd.attrs, 6));
}

/* ---- Host building ---- */

struct build_row {
        const char *want;
        const char *element;
        struct sf_firehose_attr attrs[8];
        size_t n;
};

/* clang-format off */
static const struct build_row build_rows[] = {
        {QF_HEAD DANCE_CONFIGURE QF_TAIL, "configure",
         {{"MemoryName", "nand"}, {"MaxPayloadSizeToTargetInBytes", "8192"},
          {"ZlpAwareHost", "1"}, {"SkipStorageInit", "0"}}, 4},
        {QF_HEAD PROGRAM_LINE QF_TAIL, "program",
         {{"SECTOR_SIZE_IN_BYTES", "4096"}, {"num_partition_sectors", "141"},
          {"physical_partition_number", "0"}, {"start_sector", "0"}, {"filename", "..\\sbl1.mbn"},
          {"PAGES_PER_BLOCK", "64"}}, 6},
        {QF_HEAD PATCH_LINE QF_TAIL, "patch",
         {{"SECTOR_SIZE_IN_BYTES", "4096"}, {"byte_offset", "48"}, {"filename", "DISK"},
          {"physical_partition_number", "0"}, {"size_in_bytes", "8"},
          {"start_sector", "NUM_DISK_SECTORS-1."}, {"value", "NUM_DISK_SECTORS-6."},
          {"what", "Update Backup Header with LastUseableLBA."}}, 8},
        {QF_HEAD GETSTORAGEINFO_LINE QF_TAIL, "getstorageinfo",
         {{"physical_partition_number", "0"}}, 1},
        {QF_HEAD BOOTABLE_LINE QF_TAIL, "setbootablestoragedrive", {{"value", "1"}}, 1},
        {QF_HEAD POWER_DELAY_LINE QF_TAIL, "power",
         {{"DelayInSeconds", "10"}, {"value", "reset"}}, 2},
        {QF_HEAD NOP_LINE QF_TAIL, "nop", {{NULL, NULL}}, 0},
};
/* clang-format on */

static void test_build_command(void **state)
{
        (void)state;
        for (size_t i = 0; i < N_ELEMENTS(build_rows); i++) {
                const struct build_row *row = &build_rows[i];
                struct sf_firehose_command cmd;
                char out[1024];
                int r = sf_firehose_build_command(out, sizeof(out), row->element, row->attrs,
                                                  row->n, SF_FIREHOSE_MAX_XML);

                if (r != (int)strlen(row->want) || strcmp(out, row->want) != 0)
                        print_error("build '%s': r=%d\n got: %s\nwant: %s\n", row->element, r,
                                    r > 0 ? out : "", row->want);
                assert_int_equal(r, (int)strlen(row->want));
                assert_string_equal(out, row->want);
                /* And the device side reads back what the host side wrote. */
                assert_int_equal(sf_firehose_parse_command(out, (size_t)r, &cmd), 0);
                assert_string_equal(cmd.element, row->element);
                assert_int_equal(cmd.attrs.n, row->n);
                for (size_t j = 0; j < row->n; j++)
                        assert_string_equal(sf_firehose_attr_value(&cmd.attrs, j),
                                            row->attrs[j].value);
        }
}

static void test_build_errors(void **state)
{
        static const struct sf_firehose_attr sizes[] = {{"SECTOR_SIZE_IN_BYTES", "4096"}};
        static const char read_doc[] = QF_HEAD "<read SECTOR_SIZE_IN_BYTES=\"4096\" />" QF_TAIL;
        static const char escaped_doc[] =
                QF_HEAD "<program label=\"a&amp;b&lt;c&gt;&quot;d&quot;&#9;e\" />" QF_TAIL;
        static const struct sf_firehose_attr escaped[] = {{"label", "a&b<c>\"d\"\te"}};
        static const struct sf_firehose_attr control[] = {{"label", "a\001b"}};
        static const struct sf_firehose_attr bad_name[] = {{"1abc", "x"}};
        static const struct sf_firehose_attr spaced_name[] = {{"a b", "x"}};
        static const struct sf_firehose_attr twice[] = {{"ZlpAwareHost", "1"},
                                                        {"ZLPAwareHost", "1"}};
        static const struct sf_firehose_attr value_attr[] = {{"Value", "x"}};
        struct sf_firehose_attr many[SF_FIREHOSE_MAX_ATTRS + 1];
        static char long_value[SF_FIREHOSE_VALUE_MAX + 2];
        struct sf_firehose_attr long_attr[1] = {{"label", long_value}};
        struct sf_firehose_command cmd;
        char out[8192];
        int r;

        (void)state;
        /* Over the device's MaxXMLSizeInBytes is E2BIG, over our buffer ENOBUFS. */
        assert_int_equal(sf_firehose_build_command(out, sizeof(out), "read", sizes, 1, 64), -E2BIG);
        assert_int_equal(sf_firehose_build_command(out, 64, "read", sizes, 1, 4096), -ENOBUFS);
        assert_int_equal(sf_firehose_build_command(out, sizeof(out), "read", sizes, 1, 4096),
                         (int)strlen(read_doc));
        assert_string_equal(out, read_doc);
        assert_int_equal(
                sf_firehose_build_command(out, sizeof(out), "read", sizes, 1, strlen(read_doc)),
                (int)strlen(read_doc));
        assert_int_equal(
                sf_firehose_build_command(out, sizeof(out), "read", sizes, 1, strlen(read_doc) - 1),
                -E2BIG);

        r = sf_firehose_build_command(out, sizeof(out), "program", escaped, 1, 4096);
        assert_int_equal(r, (int)strlen(escaped_doc));
        assert_string_equal(out, escaped_doc);
        assert_int_equal(sf_firehose_parse_command(out, (size_t)r, &cmd), 0);
        assert_string_equal(sf_firehose_attr_get(&cmd.attrs, "label"), escaped[0].value);

        assert_int_equal(sf_firehose_build_command(out, sizeof(out), "program", control, 1, 4096),
                         -EINVAL);
        assert_int_equal(sf_firehose_build_command(out, sizeof(out), "program", bad_name, 1, 4096),
                         -EINVAL);
        assert_int_equal(
                sf_firehose_build_command(out, sizeof(out), "program", spaced_name, 1, 4096),
                -EINVAL);
        assert_int_equal(sf_firehose_build_command(out, sizeof(out), "configure", twice, 2, 4096),
                         -EINVAL);
        assert_int_equal(sf_firehose_build_command(out, sizeof(out), "<nop", NULL, 0, 4096),
                         -EINVAL);
        assert_int_equal(sf_firehose_build_command(out, sizeof(out), "", NULL, 0, 4096), -EINVAL);
        assert_int_equal(sf_firehose_build_command(NULL, 0, "nop", NULL, 0, 4096), -EINVAL);
        assert_int_equal(sf_firehose_build_command(out, sizeof(out), "nop", NULL, 1, 4096),
                         -EINVAL);
        assert_int_equal(sf_firehose_build_response(out, sizeof(out), true, value_attr, 1),
                         -EINVAL);
        assert_int_equal(sf_firehose_build_log(out, sizeof(out), NULL), -EINVAL);

        for (size_t i = 0; i < N_ELEMENTS(many); i++)
                many[i] = (struct sf_firehose_attr){"a", "1"};
        assert_int_equal(sf_firehose_build_command(out, sizeof(out), "nop", many, N_ELEMENTS(many),
                                                   sizeof(out)),
                         -E2BIG);
        memset(long_value, 'v', SF_FIREHOSE_VALUE_MAX + 1);
        assert_int_equal(
                sf_firehose_build_command(out, sizeof(out), "nop", long_attr, 1, sizeof(out)),
                -E2BIG);
        assert_int_equal(sf_firehose_build_log(out, sizeof(out), long_value), -E2BIG);
        long_value[SF_FIREHOSE_VALUE_MAX] = '\0';
        assert_true(sf_firehose_build_log(out, sizeof(out), long_value) > 0);
}

/* ---- Section 3.6 and 3.12 ---- */

static void test_refusal_wording(void **state)
{
        static const char want_doc[] = DEV_HEAD REFUSAL_LINE DEV_TAIL;
        static const char nak[] = DEV_HEAD "<response value=\"NAK\" />" DEV_TAIL;
        struct sf_firehose_reply rep;
        char text[256], doc[512];
        uint32_t size;

        (void)state;
        assert_int_equal(sf_firehose_format_sector_size_error(text, sizeof(text), 512, 4096),
                         (int)strlen(REFUSAL_TEXT));
        assert_string_equal(text, REFUSAL_TEXT);
        assert_int_equal(sf_firehose_format_sector_size_error(text, 20, 512, 4096), -ENOBUFS);
        assert_int_equal(sf_firehose_build_log(doc, sizeof(doc), REFUSAL_TEXT),
                         (int)strlen(want_doc));
        assert_string_equal(doc, want_doc);

        assert_int_equal(sf_firehose_parse_reply(want_doc, strlen(want_doc), &rep), 0);
        assert_string_equal(rep.text, REFUSAL_TEXT);
        assert_int_equal(sf_firehose_log_classify(rep.text), SF_FIREHOSE_LOG_SECTOR_SIZE);
        assert_int_equal(sf_firehose_log_sector_size(rep.text, &size), 0);
        assert_int_equal(size, 4096);

        assert_int_equal(sf_firehose_parse_reply(nak, strlen(nak), &rep), 0);
        assert_int_equal(rep.kind, SF_FIREHOSE_REPLY_RESPONSE);
        assert_false(rep.ack);
        assert_int_equal(rep.rawmode, SF_FIREHOSE_RAWMODE_ABSENT);
}

static void test_getstorageinfo_log(void **state)
{
        static const char wire[] = DEV_HEAD STORAGE_WIRE DEV_TAIL;
        struct sf_firehose_reply rep;
        char doc[1024];

        (void)state;
        assert_int_equal(sf_firehose_parse_reply(wire, strlen(wire), &rep), 0);
        assert_int_equal(rep.kind, SF_FIREHOSE_REPLY_LOG);
        assert_string_equal(rep.text, STORAGE_JSON);
        assert_int_equal(sf_firehose_build_log(doc, sizeof(doc), STORAGE_JSON), (int)strlen(wire));
        assert_string_equal(doc, wire);
}

/* ---- Replies, good and bad ---- */

struct reply_row {
        const char *name;
        const char *doc;
        int r;
        enum sf_firehose_reply_kind kind;
        bool ack;
        enum sf_firehose_rawmode rawmode;
        const char *text;
        size_t n_attrs;
};

/* The fields of a row that must not parse. */
#define NO_REPLY SF_FIREHOSE_REPLY_LOG, false, SF_FIREHOSE_RAWMODE_ABSENT, NULL, 0

/* clang-format off */
static const struct reply_row reply_rows[] = {
        {"ACK rawmode true", DEV_HEAD "<response value=\"ACK\" rawmode=\"true\" />" DEV_TAIL,
         0, SF_FIREHOSE_REPLY_RESPONSE, true, SF_FIREHOSE_RAWMODE_TRUE, NULL, 0},
        {"NAK rawmode false", DEV_HEAD "<response value=\"NAK\" rawmode=\"false\" />" DEV_TAIL,
         0, SF_FIREHOSE_REPLY_RESPONSE, false, SF_FIREHOSE_RAWMODE_FALSE, NULL, 0},
        {"leading newline", "\n" DEV_HEAD "<log value=\"INFO: x\" />" DEV_TAIL,
         0, SF_FIREHOSE_REPLY_LOG, false, SF_FIREHOSE_RAWMODE_ABSENT, "INFO: x", 0},
        {"log with escapes", DEV_HEAD "<log value=\"a &amp; b &lt;c&gt; &apos;d&apos;\" />" DEV_TAIL,
         0, SF_FIREHOSE_REPLY_LOG, false, SF_FIREHOSE_RAWMODE_ABSENT, "a & b <c> 'd'", 0},
        {"empty log", DEV_HEAD "<log value=\"\" />" DEV_TAIL,
         0, SF_FIREHOSE_REPLY_LOG, false, SF_FIREHOSE_RAWMODE_ABSENT, "", 0},
        {"uppercase attribute names",
         DEV_HEAD "<response VALUE=\"ACK\" RawMode=\"true\" TargetName=\"8953\" />" DEV_TAIL,
         0, SF_FIREHOSE_REPLY_RESPONSE, true, SF_FIREHOSE_RAWMODE_TRUE, NULL, 1},
        {"rawmode yes", DEV_HEAD "<response value=\"ACK\" rawmode=\"yes\" />" DEV_TAIL, -EPROTO, NO_REPLY},
        {"rawmode TRUE", DEV_HEAD "<response value=\"ACK\" rawmode=\"TRUE\" />" DEV_TAIL, -EPROTO, NO_REPLY},
        {"rawmode empty", DEV_HEAD "<response value=\"ACK\" rawmode=\"\" />" DEV_TAIL, -EPROTO, NO_REPLY},
        {"value MAYBE", DEV_HEAD "<response value=\"MAYBE\" />" DEV_TAIL, -EPROTO, NO_REPLY},
        {"value ack", DEV_HEAD "<response value=\"ack\" />" DEV_TAIL, -EPROTO, NO_REPLY},
        {"response without value", DEV_HEAD "<response rawmode=\"false\" />" DEV_TAIL, -EPROTO, NO_REPLY},
        {"log without value", DEV_HEAD "<log text=\"x\" />" DEV_TAIL, -EPROTO, NO_REPLY},
        {"unknown element", DEV_HEAD "<program value=\"ACK\" />" DEV_TAIL, -EPROTO, NO_REPLY},
        {"two elements", DEV_HEAD "<log value=\"a\" /><response value=\"ACK\" />" DEV_TAIL,
         -EPROTO, NO_REPLY},
        {"nested element", DEV_HEAD "<response value=\"ACK\"><log value=\"a\" /></response>"
         DEV_TAIL, -EPROTO, NO_REPLY},
        {"empty data", DEV_HEAD DEV_TAIL, -EPROTO, NO_REPLY},
        {"root not data", "<?xml version=\"1.0\" ?>\n<response value=\"ACK\" />", -EPROTO, NO_REPLY},
        {"root dato", "<?xml version=\"1.0\" ?>\n<dato>\n<response value=\"ACK\" /></dato>",
         -EPROTO, NO_REPLY},
        {"duplicate spelling", DEV_HEAD "<response value=\"ACK\" rawmode=\"true\" "
         "RAWMODE=\"false\" />" DEV_TAIL, -EPROTO, NO_REPLY},
        {"duplicate attribute", DEV_HEAD "<response value=\"ACK\" value=\"NAK\" />" DEV_TAIL,
         -EBADMSG, NO_REPLY},
        {"truncated", DEV_HEAD "<response value=\"ACK\" rawm", -EBADMSG, NO_REPLY},
        {"truncated root", DEV_HEAD "<response value=\"ACK\" />", -EBADMSG, NO_REPLY},
        {"raw bytes after", DEV_HEAD "<response value=\"ACK\" />" DEV_TAIL "\x01\x02garbage",
         -EBADMSG, NO_REPLY},
        {"garbage", "hello world", -EBADMSG, NO_REPLY},
        {"empty", "", -EBADMSG, NO_REPLY},
        {"undefined entity", DEV_HEAD "<log value=\"&foo;\" />" DEV_TAIL, -EBADMSG, NO_REPLY},
        {"doctype", "<?xml version=\"1.0\"?>\n<!DOCTYPE data [<!ENTITY a \"b\">]>\n<data>\n"
         "<log value=\"&a;\" /></data>", -EBADMSG, NO_REPLY},
        {"billion laughs",
         "<?xml version=\"1.0\"?>\n<!DOCTYPE data [\n <!ENTITY lol \"lol\">\n"
         " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
         " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
         " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
         " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
         " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
         " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
         " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
         " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
         " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
         "]>\n<data>\n<log value=\"&lol9;\" /></data>", -EBADMSG, NO_REPLY},
        {"external entity", "<?xml version=\"1.0\"?>\n<!DOCTYPE data SYSTEM \"/etc/passwd\">\n"
         "<data>\n<log value=\"x\" /></data>", -EBADMSG, NO_REPLY},
};
/* clang-format on */

static void test_replies(void **state)
{
        (void)state;
        for (size_t i = 0; i < N_ELEMENTS(reply_rows); i++) {
                const struct reply_row *row = &reply_rows[i];
                struct sf_firehose_reply rep;
                int r;

                memset(&rep, 0xAA, sizeof(rep));
                r = sf_firehose_parse_reply(row->doc, strlen(row->doc), &rep);
                if (r != row->r)
                        print_error("row '%s': r=%d, expected %d\n", row->name, r, row->r);
                assert_int_equal(r, row->r);
                if (r < 0) {
                        assert_int_equal((unsigned char)rep.text[0], 0xAA); /* untouched */
                        continue;
                }
                assert_int_equal(rep.kind, row->kind);
                if (row->kind == SF_FIREHOSE_REPLY_LOG) {
                        assert_string_equal(rep.text, row->text);
                } else {
                        assert_int_equal(rep.ack, row->ack);
                        assert_int_equal(rep.rawmode, row->rawmode);
                }
                assert_int_equal(rep.attrs.n, row->n_attrs);
        }
}

/* The same hostile documents on the device side. */
static void test_hostile_commands(void **state)
{
        static const struct {
                const char *doc;
                int r;
        } rows[] = {
                {QF_HEAD "<nop /><nop />" QF_TAIL, -EPROTO},
                {QF_HEAD "<nop><nop /></nop>" QF_TAIL, -EPROTO},
                {"<?xml version=\"1.0\" ?><configure MemoryName=\"nand\" />", -EPROTO},
                {QF_HEAD QF_TAIL, -EPROTO},
                {QF_HEAD "<configure ZlpAwareHost=\"1\" ZLPAwareHost=\"0\" />" QF_TAIL, -EPROTO},
                {QF_HEAD "<configure MemoryName=\"nand\"" QF_TAIL, -EBADMSG},
                {QF_HEAD "<configure MemoryName=\"nand\" />", -EBADMSG},
                {"<?xml version=\"1.0\"?>\n<!DOCTYPE data [<!ENTITY x \"y\">]>\n<data><nop "
                 "a=\"&x;\"/></data>",
                 -EBADMSG},
                {"\x00\x01\x02", -EBADMSG},
        };
        struct sf_firehose_command cmd;

        (void)state;
        for (size_t i = 0; i < N_ELEMENTS(rows); i++) {
                size_t len = rows[i].doc[0] ? strlen(rows[i].doc) : 3;
                int r = sf_firehose_parse_command(rows[i].doc, len, &cmd);

                if (r != rows[i].r)
                        print_error("row %zu: r=%d, expected %d\n", i, r, rows[i].r);
                assert_int_equal(r, rows[i].r);
        }
        assert_int_equal(sf_firehose_parse_command(NULL, 10, &cmd), -EINVAL);
        assert_int_equal(sf_firehose_parse_command("x", 1, NULL), -EINVAL);
}

/* Documents that break a cap: generated, as the reference gives sizes, not bytes. */
static void test_caps(void **state)
{
        static char doc[8192];
        struct sf_firehose_command cmd;
        struct sf_firehose_reply rep;
        size_t len, n;

        (void)state;
        /* 5000 bytes: a log whose value is long but under the document cap would be fine. */
        len = (size_t)snprintf(doc, sizeof(doc), DEV_HEAD "<log value=\"");
        memset(doc + len, 'a', 5000);
        len += 5000;
        len += (size_t)snprintf(doc + len, sizeof(doc) - len, "\" />" DEV_TAIL);
        assert_int_equal(sf_firehose_parse_reply(doc, len, &rep), -E2BIG);
        assert_int_equal(sf_firehose_parse_command(doc, len, &cmd), -E2BIG);
        assert_int_equal(sf_firehose_split((const uint8_t *)doc, len, &n), -E2BIG);

        /* A value of 1025 bytes in a small document; 1024 is fine. */
        len = (size_t)snprintf(doc, sizeof(doc), DEV_HEAD "<log value=\"%01025d\" />" DEV_TAIL, 0);
        assert_int_equal(sf_firehose_parse_reply(doc, len, &rep), -E2BIG);
        len = (size_t)snprintf(doc, sizeof(doc), DEV_HEAD "<log value=\"%01024d\" />" DEV_TAIL, 0);
        assert_int_equal(sf_firehose_parse_reply(doc, len, &rep), 0);
        assert_int_equal(strlen(rep.text), 1024);

        /* 40 attributes; 32 are fine. */
        for (unsigned count = 32; count <= 40; count += 8) {
                len = (size_t)snprintf(doc, sizeof(doc), QF_HEAD "<program");
                for (unsigned i = 0; i < count; i++)
                        len += (size_t)snprintf(doc + len, sizeof(doc) - len, " a%u=\"%u\"", i, i);
                len += (size_t)snprintf(doc + len, sizeof(doc) - len, " />" QF_TAIL);
                assert_int_equal(sf_firehose_parse_command(doc, len, &cmd),
                                 count == 32 ? 0 : -E2BIG);
        }

        /* Names of 65 bytes, attribute and element. */
        len = (size_t)snprintf(doc, sizeof(doc), QF_HEAD "<nop %065d=\"1\" />" QF_TAIL, 0);
        assert_int_equal(sf_firehose_parse_command(doc, len, &cmd), -EBADMSG); /* digit first */
        len = (size_t)snprintf(doc, sizeof(doc), QF_HEAD "<nop a%064d=\"1\" />" QF_TAIL, 0);
        assert_int_equal(sf_firehose_parse_command(doc, len, &cmd), -E2BIG);
        len = (size_t)snprintf(doc, sizeof(doc), QF_HEAD "<a%064d />" QF_TAIL, 0);
        assert_int_equal(sf_firehose_parse_command(doc, len, &cmd), -E2BIG);
        len = (size_t)snprintf(doc, sizeof(doc), QF_HEAD "<a%063d />" QF_TAIL, 0);
        assert_int_equal(sf_firehose_parse_command(doc, len, &cmd), 0);
        assert_int_equal(cmd.cmd, SF_FIREHOSE_CMD_UNKNOWN);
        assert_int_equal(strlen(cmd.element), 64);
}

/* ---- Splitting device reads ---- */

struct split_row {
        const char *name;
        const char *buf;
        size_t len; /* 0: strlen */
        int r;
        size_t doc_len;
};

#define LOG_DOC DEV_HEAD "<log value=\"INFO: Calling handler for configure\" />" DEV_TAIL
#define ACK_RAW DEV_HEAD "<response value=\"ACK\" rawmode=\"true\" />" DEV_TAIL

/* clang-format off */
static const struct split_row split_rows[] = {
        {"one document", LOG_DOC, 0, 0, sizeof(LOG_DOC) - 1},
        {"two documents", LOG_DOC ACK_RAW, 0, 0, sizeof(LOG_DOC) - 1},
        {"response then raw bytes", ACK_RAW "\x00\xff\x7e<data>\x00", sizeof(ACK_RAW "\x00\xff\x7e<data>\x00") - 1,
         0, sizeof(ACK_RAW) - 1},
        {"response then </data> in raw bytes", ACK_RAW "</data>", 0, 0, sizeof(ACK_RAW) - 1},
        {"leading newline", "\n" LOG_DOC, 0, 0, sizeof(LOG_DOC)},
        {"truncated", DEV_HEAD "<log value=\"INFO", 0, -EAGAIN, 0},
        {"truncated close", DEV_HEAD "<log value=\"INFO\" /></dat", 0, -EAGAIN, 0},
        {"declaration prefix", "<?x", 0, -EAGAIN, 0},
        {"white space only", "\n\r\n", 0, -EAGAIN, 0},
        {"empty", "", 0, -EAGAIN, 0},
        {"truncated then whole", DEV_HEAD "<log val" LOG_DOC, 0, 0, sizeof(DEV_HEAD "<log val") - 1},
        {"garbage", "hello <?xml", 0, -EPROTO, 0},
        {"raw bytes", "\x00\x01\x02\x03", 4, -EPROTO, 0},
        {"not a declaration", "<data>\n<log value=\"x\" /></data>", 0, -EPROTO, 0},
};
/* clang-format on */

static void test_split(void **state)
{
        (void)state;
        for (size_t i = 0; i < N_ELEMENTS(split_rows); i++) {
                const struct split_row *row = &split_rows[i];
                size_t len = row->len ? row->len : strlen(row->buf);
                size_t doc_len = 12345;
                int r = sf_firehose_split((const uint8_t *)row->buf, len, &doc_len);

                if (r != row->r || (r == 0 && doc_len != row->doc_len))
                        print_error("row '%s': r=%d doc_len=%zu, expected %d %zu\n", row->name, r,
                                    doc_len, row->r, row->doc_len);
                assert_int_equal(r, row->r);
                assert_int_equal(doc_len, r == 0 ? row->doc_len : 12345);
        }
}

/* A read holding a log, the response and raw bytes: split, parse, push back. */
static void test_split_stream(void **state)
{
        static const char stream[] = LOG_DOC "\n" ACK_RAW "RAWDATA";
        const uint8_t *p = (const uint8_t *)stream;
        size_t left = sizeof(stream) - 1, n;
        struct sf_firehose_reply rep;

        (void)state;
        assert_int_equal(sf_firehose_split(p, left, &n), 0);
        assert_int_equal(sf_firehose_parse_reply((const char *)p, n, &rep), 0);
        assert_int_equal(rep.kind, SF_FIREHOSE_REPLY_LOG);
        p += n;
        left -= n;
        assert_int_equal(sf_firehose_split(p, left, &n), 0);
        assert_int_equal(sf_firehose_parse_reply((const char *)p, n, &rep), 0);
        assert_int_equal(rep.kind, SF_FIREHOSE_REPLY_RESPONSE);
        assert_int_equal(rep.rawmode, SF_FIREHOSE_RAWMODE_TRUE);
        p += n;
        left -= n;
        assert_int_equal(left, 7);
        assert_memory_equal(p, "RAWDATA", 7);
        assert_int_equal(sf_firehose_split(NULL, 0, &n), -EAGAIN); /* an empty read */
        assert_int_equal(sf_firehose_split(NULL, 5, &n), -EINVAL);
        assert_int_equal(sf_firehose_split(p, left, NULL), -EINVAL);
}

/* ---- Numbers and sector expressions ---- */

static void test_u64(void **state)
{
        static const struct {
                const char *in;
                int r;
                uint64_t v;
        } rows[] = {
                {"0", 0, 0},
                {"8192", 0, 8192},
                {"007", 0, 7},
                {"18446744073709551615", 0, UINT64_MAX},
                {"18446744073709551616", -ERANGE, 0},
                {"99999999999999999999999", -ERANGE, 0},
                {"-1", -EINVAL, 0},
                {"+1", -EINVAL, 0},
                {" 1", -EINVAL, 0},
                {"1 ", -EINVAL, 0},
                {"12a", -EINVAL, 0},
                {"5.", -EINVAL, 0},
                {"0x10", -EINVAL, 0},
                {"", -EINVAL, 0},
                {"18446744073709551616x", -EINVAL, 0},
        };

        (void)state;
        for (size_t i = 0; i < N_ELEMENTS(rows); i++) {
                uint64_t v = 42;
                int r = sf_firehose_parse_u64(rows[i].in, &v);

                if (r != rows[i].r || v != (r == 0 ? rows[i].v : 42))
                        print_error("\"%s\": r=%d v=%llu\n", rows[i].in, r, (unsigned long long)v);
                assert_int_equal(r, rows[i].r);
                assert_true(v == (r == 0 ? rows[i].v : 42));
        }
}

static void test_sector_expressions(void **state)
{
        static const struct {
                const char *in;
                uint64_t nds;
                int r;
                uint64_t v;
        } rows[] = {
                {"6", 1000, 0, 6},
                {"6.", 1000, 0, 6},
                {"NUM_DISK_SECTORS-5.", 1000, 0, 995},
                {"NUM_DISK_SECTORS-1.", 30119936, 0, 30119935},
                {"NUM_DISK_SECTORS-6.", 30119936, 0, 30119930},
                {"NUM_DISK_SECTORS-5", 1000, 0, 995},
                {"NUM_DISK_SECTORS+5.", 1000, 0, 1005},
                {"NUM_DISK_SECTORS", 1000, 0, 1000},
                {"NUM_DISK_SECTORS-1000.", 1000, 0, 0},
                {"NUM_DISK_SECTORS-99999.", 1000, -ERANGE, 0},
                {"NUM_DISK_SECTORS-1.", 0, -ERANGE, 0},
                {"NUM_DISK_SECTORS+1.", UINT64_MAX, -ERANGE, 0},
                {"NUM_DISK_SECTORS-18446744073709551616.", 1000, -ERANGE, 0},
                {"18446744073709551616", 1000, -ERANGE, 0},
                {"18446744073709551615.", 1000, 0, UINT64_MAX},
                {"-5.", 1000, -EINVAL, 0},
                {"+5.", 1000, -EINVAL, 0},
                {"NUM_DISK_SECTORS*2.", 1000, -EINVAL, 0},
                {"NUM_DISK_SECTORS-", 1000, -EINVAL, 0},
                {"NUM_DISK_SECTORS-.", 1000, -EINVAL, 0},
                {"NUM_DISK_SECTORS-5..", 1000, -EINVAL, 0},
                {"NUM_DISK_SECTORS--5.", 1000, -EINVAL, 0},
                {"NUM_DISK_SECTORS-5.-1.", 1000, -EINVAL, 0},
                {"NUM_DISK_SECTORS.", 1000, -EINVAL, 0},
                {"num_disk_sectors-5.", 1000, -EINVAL, 0},
                {" NUM_DISK_SECTORS-5.", 1000, -EINVAL, 0},
                {"", 1000, -EINVAL, 0},
                {".", 1000, -EINVAL, 0},
                {"CRC32(2,4096)", 1000, -EOPNOTSUPP, 0},
        };

        (void)state;
        for (size_t i = 0; i < N_ELEMENTS(rows); i++) {
                uint64_t v = 42;
                int r = sf_firehose_eval_sector(rows[i].in, rows[i].nds, &v);

                if (r != rows[i].r || v != (r == 0 ? rows[i].v : 42))
                        print_error("\"%s\" (NUM_DISK_SECTORS=%llu): r=%d v=%llu\n", rows[i].in,
                                    (unsigned long long)rows[i].nds, r, (unsigned long long)v);
                assert_int_equal(r, rows[i].r);
                assert_true(v == (r == 0 ? rows[i].v : 42));
        }
        assert_int_equal(sf_firehose_eval_sector(NULL, 1, (uint64_t[1]){0}), -EINVAL);
        assert_int_equal(sf_firehose_eval_sector("1", 1, NULL), -EINVAL);
}

static void test_crc32_expressions(void **state)
{
        static const struct {
                const char *in;
                int r;
                uint64_t start, bytes;
        } rows[] = {
                {"CRC32(NUM_DISK_SECTORS-5.,4096)", 0, 995, 4096},
                {"CRC32(1,92)", 0, 1, 92},
                {"CRC32(2,4096)", 0, 2, 4096},
                {"CRC32(2.,4096.)", 0, 2, 4096},
                {"CRC32(NUM_DISK_SECTORS-99999.,4096)", -ERANGE, 0, 0},
                {"CRC32(1,18446744073709551616)", -ERANGE, 0, 0},
                {"CRC32(1,92", -EINVAL, 0, 0},
                {"CRC32(1)", -EINVAL, 0, 0},
                {"CRC32(1,2,3)", -EINVAL, 0, 0},
                {"CRC32(,92)", -EINVAL, 0, 0},
                {"CRC32(1,)", -EINVAL, 0, 0},
                {"CRC32()", -EINVAL, 0, 0},
                {"CRC32(", -EINVAL, 0, 0},
                {"CRC32(1, 92)", -EINVAL, 0, 0},
                {"CRC32(CRC32(1,2),92)", -EINVAL, 0, 0},
                {"crc32(1,92)", -EINVAL, 0, 0},
                {"NUM_DISK_SECTORS-5.", -EINVAL, 0, 0},
        };

        (void)state;
        for (size_t i = 0; i < N_ELEMENTS(rows); i++) {
                uint64_t start = 42, bytes = 42;
                int r = sf_firehose_parse_crc32(rows[i].in, 1000, &start, &bytes);

                if (r != rows[i].r)
                        print_error("\"%s\": r=%d start=%llu bytes=%llu\n", rows[i].in, r,
                                    (unsigned long long)start, (unsigned long long)bytes);
                assert_int_equal(r, rows[i].r);
                assert_true(start == (r == 0 ? rows[i].start : 42));
                assert_true(bytes == (r == 0 ? rows[i].bytes : 42));
        }
}

static void test_crc32(void **state)
{
        static const uint8_t check[] = "123456789";
        uint32_t crc;

        (void)state;
        assert_int_equal(sf_firehose_crc32(check, 9), 0xCBF43926);
        crc = sf_firehose_crc32_update(0, check, 4);
        assert_int_equal(sf_firehose_crc32_update(crc, check + 4, 5), 0xCBF43926);
        assert_int_equal(sf_firehose_crc32(check, 0), 0);
        assert_int_equal(sf_firehose_crc32((const uint8_t *)"a", 1), 0xE8B7BE43);
}

/* ---- Log lines ---- */

static void test_digest(void **state)
{
        static const uint8_t abc[32] = {
                0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
        };
        static const struct {
                const char *in;
                int r;
        } rows[] = {
                {"INFO: Digest BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
                 0},
                {"Digest ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 0},
                {"INFO: 0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad end", 0},
                {"x 12 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 0},
                {"Digest ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a", -ENOENT},
                {"Digest ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0",
                 -ENOENT},
                {"INFO: Calling handler for getsha256digest", -ENOENT},
                {"", -ENOENT},
        };

        (void)state;
        for (size_t i = 0; i < N_ELEMENTS(rows); i++) {
                uint8_t d[32];
                int r;

                memset(d, 0x55, sizeof(d));
                r = sf_firehose_log_digest(rows[i].in, d);
                if (r != rows[i].r)
                        print_error("\"%s\": r=%d\n", rows[i].in, r);
                assert_int_equal(r, rows[i].r);
                if (r == 0)
                        assert_memory_equal(d, abc, 32);
                else
                        assert_int_equal(d[0], 0x55);
        }
}

static void test_sector_size_logs(void **state)
{
        static const struct {
                const char *in;
                int r;
                uint32_t size;
        } rows[] = {
                {"Attribute 'SECTOR_SIZE_IN_BYTES'=4096 must be equal to disk sector size 512", 0,
                 512},
                {"Attribute 'SECTOR_SIZE_IN_BYTES'=4096 must be equal to disk sector size 2048", 0,
                 2048},
                {REFUSAL_TEXT, 0, 4096},
                {"different from device sector size (512)", 0, 512},
                {"different from device sector size (2048)", 0, 2048},
                {"ERROR: SECTOR_SIZE_IN_BYTES 512 different from device sector size (4096)", 0,
                 4096},
                {"must be equal to disk sector size 0", -EPROTO, 0},
                {"must be equal to disk sector size 513", -EPROTO, 0},
                {"must be equal to disk sector size 131072", -EPROTO, 0},
                {"must be equal to disk sector size 99999999999999999999", -EPROTO, 0},
                {"must be equal to disk sector size ", -EPROTO, 0},
                {"must be equal to disk sector size -512", -EPROTO, 0},
                {"different from device sector size (512", -EPROTO, 0},
                {"different from device sector size ()", -EPROTO, 0},
                {"INFO: Calling handler for read", -ENOENT, 0},
        };

        (void)state;
        for (size_t i = 0; i < N_ELEMENTS(rows); i++) {
                uint32_t size = 42;
                int r = sf_firehose_log_sector_size(rows[i].in, &size);

                if (r != rows[i].r || size != (r == 0 ? rows[i].size : 42))
                        print_error("\"%s\": r=%d size=%u\n", rows[i].in, r, size);
                assert_int_equal(r, rows[i].r);
                assert_int_equal(size, r == 0 ? rows[i].size : 42);
        }
}

static void test_classify(void **state)
{
        static const struct {
                const char *in;
                enum sf_firehose_log_hint hint;
        } rows[] = {
                {"INFO: VIP is enabled, receiving the signed table", SF_FIREHOSE_LOG_VIP},
                {REFUSAL_TEXT, SF_FIREHOSE_LOG_SECTOR_SIZE},
                {"different from device sector size (512)", SF_FIREHOSE_LOG_SECTOR_SIZE},
                {"ERROR: Not support configure MemoryName eMMC", SF_FIREHOSE_LOG_EMMC_UNSUPPORTED},
                {"ERROR: Only nop and sig tag can be recevied before authentication.",
                 SF_FIREHOSE_LOG_AUTH_REQUIRED},
                {"ERROR: Failed to set the IO options", SF_FIREHOSE_LOG_IO_OPTIONS_FAILED},
                {"ERROR: Failed to open the SDCC Device slot 0 partition 0",
                 SF_FIREHOSE_LOG_SDCC_OPEN_FAILED},
                {"ERROR: Failed to initialize (open whole lun) UFS Device slot 0 partition 0",
                 SF_FIREHOSE_LOG_UFS_OPEN_FAILED},
                {"ERROR: something else", SF_FIREHOSE_LOG_ERROR},
                {"WARN: something", SF_FIREHOSE_LOG_WARN},
                {"INFO: Erasing start sector 640, num sectors 0", SF_FIREHOSE_LOG_OTHER},
                {"INFO: Will issue reset/power off 100 useconds", SF_FIREHOSE_LOG_OTHER},
                {"", SF_FIREHOSE_LOG_OTHER},
        };

        (void)state;
        for (size_t i = 0; i < N_ELEMENTS(rows); i++) {
                enum sf_firehose_log_hint h = sf_firehose_log_classify(rows[i].in);

                if (h != rows[i].hint)
                        print_error("\"%s\": %s, expected %s\n", rows[i].in,
                                    sf_firehose_log_hint_to_string(h),
                                    sf_firehose_log_hint_to_string(rows[i].hint));
                assert_int_equal(h, rows[i].hint);
        }
        assert_true(sf_firehose_log_is_vip("INFO: VIP is enabled, receiving the signed table"));
        assert_false(sf_firehose_log_is_vip("INFO: VIP is disabled"));
        assert_false(sf_firehose_log_is_vip(NULL));
}

/* Section 3.4's SDX24 banner, with the fifteen standard names in place of its "...". */
static void test_functions_banner(void **state)
{
        static const struct {
                const char *line;
                int r;
        } banner[] = {
                {"INFO: Binary build date: Apr 15 2019 @ 00:24:50", 0},
                {"INFO: Chip serial num: 0 (0x0)", 0},
                {"INFO: Supported Functions (15):", 1},
                {"INFO: program", 1},
                {"INFO: read", 1},
                {"INFO: nop", 1},
                {"INFO: patch", 1},
                {"INFO: configure", 1},
                {"INFO: setbootablestoragedrive", 1},
                {"INFO: erase", 1},
                {"INFO: power", 1},
                {"INFO: firmwarewrite", 1},
                {"INFO: getstorageinfo", 1},
                {"INFO: benchmark", 1},
                {"INFO: emmc", 1},
                {"INFO: ufs", 1},
                {"INFO: fixgpt", 1},
                {"INFO: getsha256digest", 1},
                {"INFO: End of supported functions 15", 2},
                {"INFO: Calling handler for configure", 0},
                {"INFO: peek", 0},
        };
        struct sf_firehose_functions f;

        (void)state;
        sf_firehose_functions_init(&f);
        assert_int_equal(f.state, SF_FIREHOSE_FUNCTIONS_NONE);
        for (size_t i = 0; i < N_ELEMENTS(banner); i++) {
                int r = sf_firehose_log_supported_functions(&f, banner[i].line);

                if (r != banner[i].r)
                        print_error("\"%s\": r=%d, expected %d\n", banner[i].line, r, banner[i].r);
                assert_int_equal(r, banner[i].r);
        }
        assert_int_equal(f.state, SF_FIREHOSE_FUNCTIONS_COMPLETE);
        assert_int_equal(f.announced, 15);
        assert_int_equal(f.n, 15);
        assert_true(sf_firehose_functions_has(&f, "configure"));
        assert_true(sf_firehose_functions_has(&f, "getsha256digest"));
        assert_false(sf_firehose_functions_has(&f, "peek"));
        assert_string_equal(sf_firehose_functions_state_to_string(f.state), "complete");
}

static void test_functions_one_line(void **state)
{
        struct sf_firehose_functions f, saved;
        char line[4096];
        size_t len;

        (void)state;
        sf_firehose_functions_init(&f);
        assert_int_equal(sf_firehose_log_supported_functions(&f, "Supported Functions: a b c"), 2);
        assert_int_equal(f.n, 3);
        assert_true(sf_firehose_functions_has(&f, "b"));
        assert_int_equal(f.state, SF_FIREHOSE_FUNCTIONS_COMPLETE);
        assert_int_equal(sf_firehose_log_supported_functions(
                                 &f, "INFO: Supported Functions: program configure erase patch"),
                         2);
        assert_int_equal(f.n, 4);
        assert_false(sf_firehose_functions_has(&f, "a"));

        /* A list inside which other lines turn up, and a list that is too long. */
        assert_int_equal(sf_firehose_log_supported_functions(&f, "Supported Functions (2):"), 1);
        assert_int_equal(f.n, 0);
        assert_int_equal(sf_firehose_log_supported_functions(&f, "INFO: some other line"), 0);
        assert_int_equal(sf_firehose_log_supported_functions(&f, "INFO: sig"), 1);
        assert_int_equal(sf_firehose_log_supported_functions(&f, "INFO: sig"), 1);
        assert_int_equal(f.n, 1);
        memset(line, 'x', 40);
        memcpy(line, "INFO: ", 6);
        line[40] = '\0';
        saved = f;
        assert_int_equal(sf_firehose_log_supported_functions(&f, line), -E2BIG);
        assert_memory_equal(&f, &saved, sizeof(f));

        len = (size_t)snprintf(line, sizeof(line), "Supported Functions:");
        for (unsigned i = 0; i <= SF_FIREHOSE_MAX_FUNCTIONS; i++)
                len += (size_t)snprintf(line + len, sizeof(line) - len, " f%u", i);
        assert_int_equal(sf_firehose_log_supported_functions(&f, line), -E2BIG);
        assert_memory_equal(&f, &saved, sizeof(f));
        assert_int_equal(sf_firehose_log_supported_functions(NULL, line), -EINVAL);
}

static void test_to_string(void **state)
{
        (void)state;
        assert_string_equal(sf_firehose_cmd_to_string(SF_FIREHOSE_CMD_PROGRAM), "program");
        assert_string_equal(sf_firehose_cmd_to_string(SF_FIREHOSE_CMD_SETBOOTABLESTORAGEDRIVE),
                            "setbootablestoragedrive");
        assert_string_equal(sf_firehose_cmd_to_string((enum sf_firehose_cmd)99), "unknown");
        assert_string_equal(sf_firehose_reply_kind_to_string(SF_FIREHOSE_REPLY_LOG), "log");
        assert_string_equal(sf_firehose_rawmode_to_string(SF_FIREHOSE_RAWMODE_TRUE), "true");
        assert_string_equal(sf_firehose_log_hint_to_string(SF_FIREHOSE_LOG_VIP), "vip");
        assert_string_equal(sf_firehose_functions_state_to_string(SF_FIREHOSE_FUNCTIONS_LISTING),
                            "listing");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_build_device_framing),
                cmocka_unit_test(test_parse_device_framing),
                cmocka_unit_test(test_configure_exchange),
                cmocka_unit_test(test_build_configure_ack),
                cmocka_unit_test(test_host_forms),
                cmocka_unit_test(test_command_reference),
                cmocka_unit_test(test_build_command),
                cmocka_unit_test(test_build_errors),
                cmocka_unit_test(test_refusal_wording),
                cmocka_unit_test(test_getstorageinfo_log),
                cmocka_unit_test(test_replies),
                cmocka_unit_test(test_hostile_commands),
                cmocka_unit_test(test_caps),
                cmocka_unit_test(test_split),
                cmocka_unit_test(test_split_stream),
                cmocka_unit_test(test_u64),
                cmocka_unit_test(test_sector_expressions),
                cmocka_unit_test(test_crc32_expressions),
                cmocka_unit_test(test_crc32),
                cmocka_unit_test(test_digest),
                cmocka_unit_test(test_sector_size_logs),
                cmocka_unit_test(test_classify),
                cmocka_unit_test(test_functions_banner),
                cmocka_unit_test(test_functions_one_line),
                cmocka_unit_test(test_to_string),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The shim's ABI: exactly the libusb entry points it replaces, and no link to the real libusb
# (it sits in front of it, and must never call into it). TAP.
lib=$1
expected="libusb_attach_kernel_driver libusb_bulk_transfer libusb_claim_interface
libusb_clear_halt libusb_close libusb_control_transfer libusb_detach_kernel_driver
libusb_error_name libusb_exit libusb_free_config_descriptor libusb_free_device_list
libusb_get_active_config_descriptor libusb_get_bus_number libusb_get_config_descriptor
libusb_get_configuration libusb_get_device libusb_get_device_address
libusb_get_device_descriptor libusb_get_device_list libusb_get_device_speed
libusb_get_max_packet_size libusb_get_port_number libusb_get_port_numbers
libusb_get_string_descriptor_ascii libusb_get_version libusb_has_capability libusb_init
libusb_interrupt_transfer libusb_kernel_driver_active libusb_open
libusb_open_device_with_vid_pid libusb_ref_device libusb_release_interface
libusb_reset_device libusb_set_auto_detach_kernel_driver libusb_set_configuration
libusb_set_debug libusb_set_option libusb_strerror libusb_unref_device"

if ! command -v nm >/dev/null || ! command -v readelf >/dev/null; then
        echo "1..0 # SKIP nm or readelf missing"
        exit 0
fi
echo "1..3"
want=$(echo "$expected" | tr ' ' '\n' | sed '/^$/d' | sort)
got=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TtWwDdBbVvi]$/ { print $3 }' | sort)
if [ "$want" = "$got" ]; then
        echo "ok 1 - exports exactly the $(echo "$want" | wc -l) libusb entry points"
else
        echo "not ok 1 - exported symbols differ from the expected set"
        for s in $want; do echo "$got" | grep -qx "$s" || echo "# missing: $s"; done
        for s in $got; do echo "$want" | grep -qx "$s" || echo "# extra: $s"; done
fi
if nm -D --undefined-only "$lib" | grep -q ' libusb_'; then
        echo "not ok 2 - calls into a libusb symbol it does not define"
else
        echo "ok 2 - no undefined libusb_ symbols"
fi
if readelf -d "$lib" | grep NEEDED | grep -q libusb; then
        echo "not ok 3 - linked to the real libusb"
else
        echo "ok 3 - not linked to the real libusb"
fi

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The package generator: a synthetic but realistic Quectel MDM9x07 (EC25/EG25) NAND firmware
 * package, since real vendor firmware cannot be shipped. It is what the test suite, the demo and
 * the benchmarks flash onto the simulated module, and what the module then boots from.
 *
 * sim_mkpkg() writes, into o->out (quectel.md section 4.1):
 *
 *   contents.xml   Qualcomm build manifest: product_name MDM9607.LE.1.0 (a platform, not the
 *                  Quectel version), the programmer and the storage type "nand"
 *   md5.txt        one line per file under update/, recursively, sorted by byte value of the
 *                  path:  D:\update\firehose\patch_p4K_b256K.xml:<32 lowercase hex MD5>\n
 *                  (a Windows drive-style prefix "D:", backslash-separated path relative to
 *                  the package root, ':', the digest; LF line ends)
 *   update/
 *     sbl1.mbn tz.mbn rpm.mbn appsboot.mbn     boot chain            (sbl tz rpm aboot)
 *     mdm9607-perf-boot.img                    kernel                (boot, and recovery)
 *     NON-HLOS.ubi                             modem, full version   (modem)
 *     mdm-perf-recovery-image-mdm9607-perf.ubi recovery root fs      (recoveryfs)
 *     mdm9607-perf-sysfs.ubi                   root fs               (system)
 *     oemapp.ubi                               shipped, not programmed (no such partition)
 *     NPRG9x07.mbn ENPRG9x07.mbn               legacy streaming-download programmers (signed
 *                                              ELFs like the Firehose one)
 *     partition.mbn                            the MIBIB blob again (legacy path)
 *     partition_nand.xml                       the layout, as Qualcomm's <nandboot> description
 *     cefs.mbn                                 factory only: an EFS image with no IMEI and no
 *                                              calibration (what a factory package wipes)
 *     firehose/
 *       prog_nand_firehose_9x07.mbn            the Firehose programmer (below)
 *       partition_complete_p4K_b256K.mbn       the MIBIB block (sim_mibib_encode()): one 256 KiB
 * erase block rawprogram_nand_p4K_b256K_update.xml   <erase> + <program> per partition written
 *       rawprogram_nand_p4K_b256K_factory.xml  factory only: the same plus efs2 (..\cefs.mbn)
 *       patch_p4K_b256K.xml                    <patches> with no DISK patch
 *
 * Every image (not the programmers, not the MIBIB) starts with a sim_image_header (image.h) for
 * the version's baseline, memory code and prefix, the layout the baseline uses
 * (sim_layout_for_baseline(baseline, o->total_pages)), and the CRC of its payload; the payload
 * is sim_fill() filler seeded by the file name and the canonical version. Output is a pure
 * function of the options: no timestamps, no randomness. Images are streamed in small chunks,
 * so peak memory stays well under a megabyte whatever the sizes.
 *
 * The programmers are ELF32 (ARM) files: phdr 0 PT_NULL over the headers, phdr 1 the hash
 * segment (MBN v3 header, SHA-256 table, a 256-byte filler signature, a real X.509 chain
 * attestation <- attestation CA <- "Quectel OEM Root CA (simulated)", Ed25519 keys from fixed
 * seeds, so the chain and its root hash never change), then PT_LOAD code/rodata/data and a bss.
 * The attestation certificate carries the OUs "01 0000000000000003 SW_ID",
 * "02 <msm_id><oem_id><model_id> HW_ID", "03 0000000000000000 DEBUG", "04 <oem> OEM_ID",
 * "05 <hash segment size> SW_SIZE", "06 <model> MODEL_ID", "07 0001 SHA256".
 *
 * SDX55-family programmers (msm_id SIM_MKPKG_SDX55_MSM_ID) have an MBN v7 hash segment instead:
 * the 40-byte header (+8 common metadata 24, +12 QTI metadata 0, +16 OEM metadata 224, +20 hash
 * table, +24/+28 no QTI signature or chain, +32 signature 256, +36 chain), the common metadata
 * (software id 3, hash_table_algorithm 3 = SHA-384), 224 zero bytes of OEM metadata, a SHA-384
 * table (48 bytes a program header), signature and chain; the attestation certificate has the
 * same OUs but "07 … SHA256". Entries of the hash segment itself and of a bss stay zero.
 *
 * Options, the version and the sizes are checked, and the certificates made, before anything
 * is written; a later failure (a file operation) may leave part of a package in o->out.
 *
 * For an SDX55-class version (RM500Q, RM502Q, RG500Q: sim_mkpkg_is_ufs()) it writes instead a
 * UFS package, one rawprogram/patch pair per LUN as quectel.md 4.2-4.3 describe, with the same
 * md5.txt format and the same image headers (layout_id: sim_ufs_layout_id(), gpt.h):
 *
 *   contents.xml   product_name SDX55.LE.1.0, chipid SDX55, the programmer, the per-LUN
 *                  rawprogram and patch files, storage type "ufs"
 *   md5.txt
 *   update/
 *     xbl.elf xbl_cfg.elf                       boot LUN 1: xbl, xbl_config
 *     aop.mbn tz.mbn hyp.mbn devcfg.mbn abl.elf LUN 4: the rest of the boot chain
 *     uefi.elf apdp.mbn multi_image.mbn sec.dat tools.fv oemdata.ubi
 *     NON-HLOS.ubi                              LUN 4: modem, full version
 *     sdxprairie-boot.img                       LUN 0: boot, and recovery
 *     sdxprairie-sysfs.ubi sdxprairie-recoveryfs.ubi usrdata.ubi   LUN 0
 *     firehose/
 *       prog_firehose_sdx55.mbn                 the programmer ELF for the SDX55, with an MBN v7
 *                                               hash segment (see below)
 *       rawprogram0.xml … rawprogram5.xml       <program> per partition in GPT order (an empty
 *                                               filename for those the package does not write:
 *                                               xbl_b, ssd, misc, persist, modemst1/2, fsg, fsc),
 *                                               then PrimaryGPT (sector 0) and BackupGPT
 *                                               (NUM_DISK_SECTORS-5.)
 *       patch0.xml … patch5.xml                 the GPT fix-up (sim_gpt_patches()), each line for
 *                                               gpt_main/backup<n>.bin then for DISK
 *       gpt_main0.bin … gpt_main5.bin, gpt_backup0.bin … gpt_backup5.bin
 *
 * There, total_pages is ignored (the GPT patches size the LUNs on the device), msm_id 0 means
 * SIM_MKPKG_SDX55_MSM_ID, and factory is refused (-EINVAL). */
#ifndef SIM_MKPKG_H
#define SIM_MKPKG_H

#include <stdbool.h>
#include <stdint.h>

#include "mkpkg_options.h"
#include "mkpkg_programmer.h"
#include "safeflash/common.h"

/* Write the package. -EINVAL (with a message) for a missing option or a version that does not
 * parse or does not fit the image header (prefix <= 15, memory code <= 7, canonical form <= 63
 * characters); -EEXIST when o->out exists and is not an empty directory; -EFBIG when an image
 * would not fit its partition; -EIO for a certificate that OpenSSL could not make; otherwise the
 * negative errno of a failed file operation. */
int sim_mkpkg(const struct sim_mkpkg_options *o, struct sf_error *err);

/* The same package as a zip at o->out (which must not exist), written with libarchive: its
 * entries under a top folder named after the version ("EC25EFAR06A19M4G_20.201.20.201/update/
 * sbl1.mbn"), or at the zip's root when flat. The folder is generated next to o->out first and
 * removed afterwards. */
int sim_mkpkg_zip(const struct sim_mkpkg_options *o, bool flat, struct sf_error *err);

/* Zip the folder dir into zip, its entries under top (NULL: at the root), in name order, with
 * fixed times: the same folder gives the same bytes. */
int sim_pkg_zip(const char *dir, const char *zip, const char *top, struct sf_error *err);

/* Does this version name SDX55 UFS firmware (RM500Q, RM502Q, RG500Q)? Otherwise it is MDM9x07
 * NAND firmware. */
bool sim_mkpkg_is_ufs(const char *version);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * chip.c - claiming the host TPM and talking to it.
 *
 * tpmmux uses the kernel's default tpm_chip (the one behind /dev/tpm0 and
 * /dev/tpmrm0).  It never opens those character devices: it sends commands
 * with tpm_transmit_cmd() between tpm_try_get_ops() and tpm_put_ops(), the
 * same way the kernel's own users (IMA, trusted keys, hwrng) do, so it
 * shares the chip with them and with /dev/tpmrm0 one command at a time.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/tpm.h>

#include "pure.h"
#include "tpm2_defs.h"
#include "tpmmux.h"

/* The TPM_PT_* fixed properties tpmmux reports, in the chip's order. */
#define TPMMUX_PT_FIRST		TPM_PT_FAMILY_INDICATOR
#define TPMMUX_PT_LAST		TPM_PT_MAX_RESPONSE_SIZE
#define TPMMUX_PT_COUNT		(TPMMUX_PT_LAST - TPMMUX_PT_FIRST + 1)

/**
 * tpmmux_chip_claim() - find the host's TPM 2.0 and take a reference to it
 * @hc: filled in on success
 *
 * Return: 0, or -ENODEV when there is no TPM, it is not a TPM 2.0, or it
 * is in firmware upgrade mode; the reason is logged once.
 */
int tpmmux_chip_claim(struct tpmmux_chip *hc)
{
	struct tpm_chip *chip;

	chip = tpm_default_chip();
	if (!chip) {
		pr_err("no TPM found: tpmmux needs the host's TPM 2.0\n");
		return -ENODEV;
	}
	if (!(chip->flags & TPM_CHIP_FLAG_TPM2)) {
		pr_err("%s is a TPM 1.2: tpmmux needs a TPM 2.0\n",
		       dev_name(&chip->dev));
		goto err_put;
	}
	if (chip->flags & TPM_CHIP_FLAG_FIRMWARE_UPGRADE) {
		pr_err("%s is in firmware upgrade mode\n", dev_name(&chip->dev));
		goto err_put;
	}
	hc->chip = chip;
	hc->index = chip->dev_num;
	return 0;

err_put:
	put_device(&chip->dev);
	return -ENODEV;
}

/**
 * tpmmux_chip_release() - drop the reference taken by tpmmux_chip_claim()
 * @hc: the claimed chip
 */
void tpmmux_chip_release(struct tpmmux_chip *hc)
{
	put_device(&hc->chip->dev);
	hc->chip = NULL;
}

/*
 * Send the command in @buf and leave the response there.  Returns 0, the
 * TPM's response code (> 0), or -ENODEV when the chip has gone away.
 */
static int tpmmux_chip_transmit(struct tpmmux_chip *hc, struct tpm_buf *buf,
				size_t min_rsp_body)
{
	ssize_t rc;

	if (tpm_try_get_ops(hc->chip))
		return -ENODEV;
	/* desc == NULL: a failing command is the caller's to report. */
	rc = tpm_transmit_cmd(hc->chip, buf, min_rsp_body, NULL);
	tpm_put_ops(hc->chip);
	return rc;
}

/**
 * tpmmux_chip_xmit() - send one command to the chip, which the caller holds
 * @priv: the struct tpmmux_chip
 * @buf: the command (its length is in its header); the response replaces it
 * @bufsize: bytes available at @buf; at least one page, as tpm_transmit()
 *	assumes
 *
 * The caller holds the chip with tpm_try_get_ops() (the dispatcher does).
 * This is the xmit operation of the per-VM spaces (space.c).
 *
 * Return: 0 when the chip answered (its response code, success or not, is
 * in the response), or the negative errno of tpm_transmit().
 */
int tpmmux_chip_xmit(void *priv, u8 *buf, u32 bufsize)
{
	struct tpmmux_chip *hc = priv;
	struct tpm_buf tb = { .data = buf };
	ssize_t rc;

	if (bufsize < PAGE_SIZE)
		return -EINVAL;
	/* desc == NULL: guest errors are the guest's business, not the log's. */
	rc = tpm_transmit_cmd(hc->chip, &tb, 0, NULL);
	return rc < 0 ? rc : 0;
}

/* Build a command in @buf: header, then the body; returns the length. */
static u32 tpmmux_cmd_finish(u8 *buf, u32 len)
{
	put_unaligned_be32(len, buf + 2);
	return len;
}

/**
 * tpmmux_chip_derive() - a secret rooted in the host TPM
 * @hc: the host chip
 * @owner_auth: the host's owner authorization value
 * @owner_len: its length, at most 64
 * @data: what to derive from (a label and a VM's UUID)
 * @len: its length, at most 256
 * @out: the 32-byte result
 *
 * out = TPM2_HMAC(K, @data, SHA-256), where K is a keyed-hash primary key
 * of the host's owner hierarchy made from a fixed template (HMAC-SHA-256,
 * fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, sign, empty
 * unique).  Being a primary, K is the same every time, lives only inside
 * the chip, is never stored, and changes only when the owner hierarchy is
 * cleared (not when its authorization changes).  It is flushed again at
 * once.  CreatePrimary is authorized with @owner_auth, the host's owner
 * authorization (empty unless the administrator gave it, vtpmctl
 * host-auth).
 *
 * Return: 0, -ENODEV, -ENOMEM, -EINVAL, or -EIO when the chip refused.
 */
int tpmmux_chip_derive(struct tpmmux_chip *hc, const u8 *owner_auth,
		       u32 owner_len, const u8 *data, u32 len, u8 *out)
{
	static const u8 tmpl[] = {
		0x00, 0x08, 0x00, 0x0b,		/* KEYEDHASH, nameAlg SHA-256 */
		0x00, 0x04, 0x00, 0x72,		/* fixedTPM fixedParent sdo uwa sign */
		0x00, 0x00,			/* authPolicy */
		0x00, 0x05, 0x00, 0x0b,		/* scheme HMAC, SHA-256 */
		0x00, 0x00,			/* unique: empty */
	};
	static const u8 pw[] = { 0, 0, 0, 9, 0x40, 0, 0, 9, 0, 0, 0, 0, 0 };
	struct tpm_buf buf;
	u32 handle = 0, off;
	u8 *p;
	int rc;

	if (len > 256 || owner_len > 64)
		return -EINVAL;
	rc = tpm_buf_init(&buf, TPM2_ST_SESSIONS, TPM_CC_CreatePrimary);
	if (rc)
		return rc;
	if (tpm_try_get_ops(hc->chip)) {
		tpm_buf_destroy(&buf);
		return -ENODEV;
	}
	p = buf.data;
	off = TPM2_HEADER_SIZE;
	put_unaligned_be32(TPM_RH_OWNER, p + off);
	off += 4;
	/* a password session with the owner's value */
	memcpy(p + off, pw, sizeof(pw));
	put_unaligned_be32(sizeof(pw) - 4 + owner_len, p + off);
	put_unaligned_be16(owner_len, p + off + sizeof(pw) - 2);
	off += sizeof(pw);
	memcpy(p + off, owner_auth, owner_len);
	off += owner_len;
	put_unaligned_be16(4, p + off);		/* inSensitive: empty */
	put_unaligned_be32(0, p + off + 2);
	off += 6;
	put_unaligned_be16(sizeof(tmpl), p + off);
	memcpy(p + off + 2, tmpl, sizeof(tmpl));
	off += 2 + sizeof(tmpl);
	put_unaligned_be16(0, p + off);		/* outsideInfo */
	put_unaligned_be32(0, p + off + 2);	/* creationPCR */
	tpmmux_cmd_finish(p, off + 6);
	rc = tpm_transmit_cmd(hc->chip, &buf, 4, NULL);
	if (rc)
		goto out;
	handle = get_unaligned_be32(p + TPM2_HEADER_SIZE);

	tpm_buf_reset(&buf, TPM2_ST_SESSIONS, TPM_CC_HMAC);
	off = TPM2_HEADER_SIZE;
	put_unaligned_be32(handle, p + off);
	off += 4;
	memcpy(p + off, pw, sizeof(pw));
	off += sizeof(pw);
	put_unaligned_be16(len, p + off);
	memcpy(p + off + 2, data, len);
	off += 2 + len;
	put_unaligned_be16(TPM2_ALG_SHA256, p + off);
	tpmmux_cmd_finish(p, off + 2);
	rc = tpm_transmit_cmd(hc->chip, &buf, 4 + 2 + 32, NULL);
	/* parameterSize, then outHMAC: a TPM2B of 32 bytes */
	if (!rc && get_unaligned_be16(p + TPM2_HEADER_SIZE + 4) != 32)
		rc = -EIO;
	if (!rc)
		memcpy(out, p + TPM2_HEADER_SIZE + 6, 32);
out:
	if (handle)
		tpm2_flush_context(hc->chip, handle);
	tpm_put_ops(hc->chip);
	memzero_explicit(buf.data, PAGE_SIZE);
	tpm_buf_destroy(&buf);
	return rc > 0 ? -EIO : rc;
}

static void tpmmux_info_set(struct tpmmux_chip_info *info, u32 prop, u32 val)
{
	switch (prop) {
	case TPM_PT_FAMILY_INDICATOR:
		info->family = val;
		break;
	case TPM_PT_LEVEL:
		info->level = val;
		break;
	case TPM_PT_REVISION:
		info->revision = val;
		break;
	case TPM_PT_DAY_OF_YEAR:
		info->day_of_year = val;
		break;
	case TPM_PT_YEAR:
		info->year = val;
		break;
	case TPM_PT_MANUFACTURER:
		info->manufacturer = val;
		break;
	case TPM_PT_VENDOR_STRING_1 ... TPM_PT_VENDOR_STRING_4:
		info->vendor_string[prop - TPM_PT_VENDOR_STRING_1] = val;
		break;
	case TPM_PT_VENDOR_TPM_TYPE:
		info->vendor_tpm_type = val;
		break;
	case TPM_PT_FIRMWARE_VERSION_1:
		info->firmware_version_1 = val;
		break;
	case TPM_PT_FIRMWARE_VERSION_2:
		info->firmware_version_2 = val;
		break;
	case TPM_PT_MAX_COMMAND_SIZE:
		info->max_command_size = val;
		break;
	case TPM_PT_MAX_RESPONSE_SIZE:
		info->max_response_size = val;
		break;
	}
}

/**
 * tpmmux_chip_read_info() - read the chip's identity from the chip
 * @hc: the claimed chip
 * @info: the output fields are filled in; @info->flags is left alone
 *
 * One TPM2_GetCapability(TPM_CAP_TPM_PROPERTIES) for the fixed properties
 * from TPM_PT_FAMILY_INDICATOR to TPM_PT_MAX_RESPONSE_SIZE.  The response
 * is parsed with every length checked against what the chip returned.
 *
 * Return: 0, -ENODEV if the chip has gone away, -ENOMEM, or -EIO if the
 * chip answered with an error or a malformed response.
 */
int tpmmux_chip_read_info(struct tpmmux_chip *hc, struct tpmmux_chip_info *info)
{
	struct tpm_buf buf;
	u32 len, count, i, prop, prev = 0;
	const u8 *p;
	int rc;

	rc = tpm_buf_init(&buf, TPM2_ST_NO_SESSIONS, TPM2_CC_GET_CAPABILITY);
	if (rc)
		return rc;
	tpm_buf_append_u32(&buf, TPM_CAP_TPM_PROPERTIES);
	tpm_buf_append_u32(&buf, TPMMUX_PT_FIRST);
	tpm_buf_append_u32(&buf, TPMMUX_PT_COUNT);

	rc = tpmmux_chip_transmit(hc, &buf, 0);
	if (rc < 0)
		goto out;
	if (rc > 0) {
		pr_warn("GetCapability(TPM_PROPERTIES) failed: 0x%03x\n", rc);
		rc = -EIO;
		goto out;
	}

	/*
	 * Response: header(10) moreData(1) capability(4) count(4)
	 * then count * { property(4) value(4) }.
	 */
	rc = -EIO;
	len = tpm_buf_length(&buf);
	if (len < TPM_HEADER_SIZE + 9 || len > PAGE_SIZE)
		goto out;
	p = buf.data + TPM_HEADER_SIZE;
	if (get_unaligned_be32(p + 1) != TPM_CAP_TPM_PROPERTIES)
		goto out;
	count = get_unaligned_be32(p + 5);
	if (count > TPMMUX_PT_COUNT ||
	    len - (TPM_HEADER_SIZE + 9) < count * 8)
		goto out;
	p += 9;

	info->state = TPMMUX_CHIP_TPM2;
	info->tpm_index = hc->index;
	for (i = 0; i < count; i++, p += 8) {
		prop = get_unaligned_be32(p);
		/*
		 * The chip lists the properties that exist in increasing
		 * order; it skips unassigned ones (TPM_PT_FIXED + 21), so
		 * the list may run past TPMMUX_PT_LAST.
		 */
		if (prop < TPMMUX_PT_FIRST || (i && prop <= prev))
			goto out;
		tpmmux_info_set(info, prop, get_unaligned_be32(p + 4));
		prev = prop;
	}
	rc = 0;
out:
	tpm_buf_destroy(&buf);
	return rc;
}

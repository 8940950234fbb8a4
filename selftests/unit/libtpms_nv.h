/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libtpms_nv.h - libtpms's NV and I/O callbacks for the unit tests that
 * use libtpms as the chip: NV state kept in memory, locality 0, no
 * physical presence.  Included by one test file each (static functions).
 */
#ifndef _TPMMUX_TEST_LIBTPMS_NV_H
#define _TPMMUX_TEST_LIBTPMS_NV_H

static struct {
	char name[32];
	unsigned char *data;
	uint32_t len;
} nvfile[8];

static TPM_RESULT nv_init(void)
{
	return TPM_SUCCESS;
}

static int nv_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(nvfile); i++)
		if (nvfile[i].data && !strcmp(nvfile[i].name, name))
			return i;
	return -1;
}

static TPM_RESULT nv_load(unsigned char **data, uint32_t *length,
			  uint32_t tpm_number, const char *name)
{
	int i = nv_find(name);

	(void)tpm_number;
	if (i < 0)
		return TPM_RETRY;	/* libtpms: "no such file" */
	if (TPM_Malloc(data, nvfile[i].len))
		return TPM_FAIL;
	memcpy(*data, nvfile[i].data, nvfile[i].len);
	*length = nvfile[i].len;
	return TPM_SUCCESS;
}

static TPM_RESULT nv_store(const unsigned char *data, uint32_t length,
			   uint32_t tpm_number, const char *name)
{
	int i = nv_find(name);
	unsigned int j;

	(void)tpm_number;
	if (i < 0) {
		for (j = 0; j < ARRAY_SIZE(nvfile); j++)
			if (!nvfile[j].data)
				break;
		if (j == ARRAY_SIZE(nvfile) || strlen(name) >= 32)
			return TPM_FAIL;
		i = j;
		strcpy(nvfile[i].name, name);
	}
	free(nvfile[i].data);
	nvfile[i].data = malloc(length ? length : 1);
	if (!nvfile[i].data)
		return TPM_FAIL;
	memcpy(nvfile[i].data, data, length);
	nvfile[i].len = length;
	return TPM_SUCCESS;
}

static TPM_RESULT nv_delete(uint32_t tpm_number, const char *name,
			    TPM_BOOL must_exist)
{
	int i = nv_find(name);

	(void)tpm_number;
	if (i < 0)
		return must_exist ? TPM_FAIL : TPM_SUCCESS;
	free(nvfile[i].data);
	memset(&nvfile[i], 0, sizeof(nvfile[i]));
	return TPM_SUCCESS;
}

static TPM_RESULT io_init(void)
{
	return TPM_SUCCESS;
}

static TPM_RESULT io_locality(TPM_MODIFIER_INDICATOR *loc, uint32_t tpm_number)
{
	(void)tpm_number;
	*loc = 0;
	return TPM_SUCCESS;
}

static TPM_RESULT io_pp(TPM_BOOL *pp, uint32_t tpm_number)
{
	(void)tpm_number;
	*pp = 0;
	return TPM_SUCCESS;
}

#endif /* _TPMMUX_TEST_LIBTPMS_NV_H */

#!/bin/bash
# The KVM front end for real: selftests/kvm/vmm, a VMM on the raw KVM API,
# runs a guest that drives a CRB and then a TIS interface exactly as Linux's
# tpm_crb and tpm_tis do, through tpmmux's front end (ioeventfd doorbells,
# register pages, the CRB buffer as guest RAM), with nested KVM in the test
# VM; every response is checked against a reference vTPM with the same
# UUID, then the adversarial cases, then a CRB run whose completions come
# as interrupts (KVM_CREATE_IRQCHIP, KVM_IRQFD, FE_SET_CALL).  TAP from the VMM.
cd "$(dirname "$0")/.." || exit 1
make -s -C selftests/kvm >&2 || { echo "Bail out! cannot build selftests/kvm"; exit 1; }
exec selftests/vm/run --kvm --tpm crb --timeout 1200 -- \
	sh -c 'insmod tpmmux/tpmmux.ko && exec selftests/kvm/vmm'

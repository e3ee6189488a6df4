"""`python -m scopeprobe.ebpf`: print what this kernel lets the tracker use."""

from scopeprobe.ebpf.features import main

main()

"""DNS records a probe learnt: address -> forward (snooped) and reverse names."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DNSRecord:
    """Names of one address; merge is union of each."""

    forward: frozenset[str] = frozenset()
    reverse: frozenset[str] = frozenset()

    def merge(self, other: "DNSRecord") -> "DNSRecord":
        """Join: union of both name sets."""
        if other.forward <= self.forward and other.reverse <= self.reverse:
            return self
        if self.forward <= other.forward and self.reverse <= other.reverse:
            return other
        return DNSRecord(self.forward | other.forward, self.reverse | other.reverse)


def merge_dns(a: DNSRecord, b: DNSRecord) -> DNSRecord:
    """Join of two records (for merge_maps)."""
    return a.merge(b)

"""Any URC event the module can build parses back to itself (beyond the spec's examples)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from modemu.at import urc as u

ids = st.integers(min_value=0, max_value=11)
numbers = st.integers(min_value=0, max_value=99_999)
codes = st.sampled_from([0, 550, 552, 561, 563, 564, 565, 566, 569, 570])
ipv4 = st.ip_addresses(v=4).map(str)
remote = st.tuples(ipv4, st.integers(min_value=0, max_value=65535))
# Quoted AT strings may hold anything printable but a double quote (commas included).
quoted = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters='"'))
# Unquoted words: no quote, no comma, no leading or trailing space.
word = st.from_regex(r"[A-Z][A-Z ]{0,10}[A-Z]", fullmatch=True)

events = st.one_of(
    st.builds(u.Recv, ids),
    st.builds(u.Recv, ids, numbers),
    st.builds(u.Recv, ids, numbers, remote),
    st.builds(u.Closed, ids),
    st.builds(u.Incoming, ids, ids, remote),
    st.just(u.IncomingFull()),
    st.builds(u.PdpDeact, st.integers(min_value=1, max_value=16)),
    st.builds(u.DnsResult, codes),
    st.builds(u.DnsResult, st.just(0), numbers, numbers),
    st.builds(u.DnsAddress, quoted),
    st.builds(u.SendAcked, st.one_of(st.none(), ids)),
    st.builds(u.OpenResult, ids, codes),
    st.builds(u.PingError, codes),
    st.builds(u.PingEcho, ipv4, numbers, numbers, numbers),
    st.builds(u.PingSummary, numbers, numbers, numbers),
    st.builds(u.PingSummary, numbers, numbers, numbers, numbers, numbers, numbers),
    st.builds(u.NtpResult, codes, st.one_of(st.none(), quoted), st.sampled_from(u.NtpResult.NAMES)),
    st.just(u.Ready()),
    st.just(u.PoweredDown()),
    st.builds(u.Functionality, st.sampled_from([0, 1, 4])),
    st.builds(u.SimStatus, word),
    st.builds(u.UsimLoaded, st.integers(min_value=0, max_value=1)),
    st.builds(u.Indication, word),
    st.builds(u.Registration, st.sampled_from(u.Registration.NAMES), numbers),
    st.builds(
        u.Registration,
        st.sampled_from(u.Registration.NAMES),
        numbers,
        st.tuples(quoted, quoted, numbers),
    ),
)


@given(events)
def test_render_then_parse_is_the_identity(event: u.UrcEvent) -> None:
    assert u.parse_urc(event.render()) == event

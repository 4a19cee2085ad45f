//! Addresses: the policy function `ipRangeContains` (definition-structure-policy-rule.md,
//! "Policy functions") and the CIDR functions (template-functions-cidr.md).

use super::{arg, arity, int_arg, invalid, str_arg, unknown_self};
use crate::expr::{Context, EvalError};
use serde_json::{Map, Value};

/// ipRangeContains(range, targetRange): does `range` contain all of `targetRange`? Each is
/// a single address, a CIDR block or `start-end`; empty ranges and mixed IP families are
/// evaluation failures.
pub(super) fn ip_range_contains(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("ipRangeContains", args, 2, 2)?;
    let outer = ip_range(str_arg("ipRangeContains", arg(args, 0))?)?;
    let inner = ip_range(str_arg("ipRangeContains", arg(args, 1))?)?;
    if outer.v6 != inner.v6 {
        return invalid("ipRangeContains cannot compare IPv4 and IPv6 ranges");
    }
    Ok(Value::Bool(
        outer.start <= inner.start && inner.end <= outer.end,
    ))
}

/// An inclusive address range, both ends as 128-bit numbers.
struct IpRange {
    v6: bool,
    start: u128,
    end: u128,
}

fn ip_range(text: &str) -> Result<IpRange, EvalError> {
    let bad = || {
        EvalError::Invalid(format!(
            "'{text}' is not an IP address, CIDR range or start-end range"
        ))
    };
    let text = text.trim();
    if let Some((addr, bits)) = text.split_once('/') {
        let (v6, base) = ip_number(addr).ok_or_else(bad)?;
        let width = if v6 { 128 } else { 32 };
        let bits: u32 = bits
            .trim()
            .parse()
            .ok()
            .filter(|b| *b <= width)
            .ok_or_else(bad)?;
        let host = if bits == width {
            0
        } else {
            u128::MAX >> (128 - (width - bits))
        };
        return Ok(IpRange {
            v6,
            start: base & !host,
            end: base | host,
        });
    }
    if let Some((a, b)) = text.split_once('-') {
        let (v6, start) = ip_number(a).ok_or_else(bad)?;
        let (v6_end, end) = ip_number(b).ok_or_else(bad)?;
        if v6 != v6_end {
            return invalid(format!("'{text}' mixes IPv4 and IPv6"));
        }
        if start > end {
            return invalid(format!("'{text}' is an empty range"));
        }
        return Ok(IpRange { v6, start, end });
    }
    let (v6, n) = ip_number(text).ok_or_else(bad)?;
    Ok(IpRange {
        v6,
        start: n,
        end: n,
    })
}

fn ip_number(text: &str) -> Option<(bool, u128)> {
    match text.trim().parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(a) => Some((false, u128::from(u32::from(a)))),
        std::net::IpAddr::V6(a) => Some((true, u128::from(a))),
    }
}

// ---------------------------------------------------------------------------------
// CIDR functions (template-functions-cidr.md)

/// A CIDR block: family, network address (host bits cleared) and prefix length.
struct Cidr {
    v6: bool,
    network: u128,
    prefix: u32,
}

impl Cidr {
    fn width(&self) -> u32 {
        if self.v6 { 128 } else { 32 }
    }

    /// The mask of the host bits.
    fn host_mask(&self) -> u128 {
        let host_bits = self.width() - self.prefix;
        if host_bits == 0 {
            0
        } else {
            u128::MAX >> (128 - host_bits)
        }
    }

    fn last(&self) -> u128 {
        self.network | self.host_mask()
    }

    fn address(&self, n: u128) -> String {
        if self.v6 {
            std::net::Ipv6Addr::from(n).to_string()
        } else {
            std::net::Ipv4Addr::from(n as u32).to_string()
        }
    }
}

fn cidr_arg(name: &str, v: &Value) -> Result<Cidr, EvalError> {
    let text = str_arg(name, v)?;
    let bad = || EvalError::Invalid(format!("{name}: '{text}' is not in CIDR notation"));
    let (addr, bits) = text.split_once('/').ok_or_else(bad)?;
    let (v6, n) = ip_number(addr).ok_or_else(bad)?;
    let width = if v6 { 128 } else { 32 };
    let prefix = bits.parse().ok().filter(|b| *b <= width).ok_or_else(bad)?;
    let mut cidr = Cidr {
        v6,
        network: n,
        prefix,
    };
    cidr.network &= !cidr.host_mask();
    Ok(cidr)
}

/// parseCidr(network): network, netmask, broadcast (IPv4 only), first and last usable
/// addresses and the prefix length. For IPv4 the network and broadcast addresses are not
/// usable; /31 and /32 blocks, where that rule cannot hold, are not evaluated.
pub(super) fn parse_cidr(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("parseCidr", args, 1, 1)?;
    let c = cidr_arg("parseCidr", arg(args, 0))?;
    let mut out = Map::new();
    out.insert("network".into(), Value::String(c.address(c.network)));
    let netmask = !c.host_mask() & (u128::MAX >> (128 - c.width()));
    out.insert("netmask".into(), Value::String(c.address(netmask)));
    if c.v6 {
        out.insert("firstUsable".into(), Value::String(c.address(c.network)));
        out.insert("lastUsable".into(), Value::String(c.address(c.last())));
    } else {
        if c.prefix > 30 {
            return Err(unknown_self(
                "is not evaluated statically: usable addresses of a /31 or /32 block",
            ));
        }
        out.insert("broadcast".into(), Value::String(c.address(c.last())));
        out.insert(
            "firstUsable".into(),
            Value::String(c.address(c.network + 1)),
        );
        out.insert("lastUsable".into(), Value::String(c.address(c.last() - 1)));
    }
    out.insert("cidr".into(), Value::from(c.prefix));
    Ok(Value::Object(out))
}

/// cidrSubnet(network, newCIDR, subnetIndex): the `subnetIndex`-th block of size
/// `newCIDR` inside `network`.
pub(super) fn cidr_subnet(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("cidrSubnet", args, 3, 3)?;
    let c = cidr_arg("cidrSubnet", arg(args, 0))?;
    let new_prefix = int_arg("cidrSubnet", arg(args, 1))?;
    let index = int_arg("cidrSubnet", arg(args, 2))?;
    let new_prefix = u32::try_from(new_prefix)
        .ok()
        .filter(|p| (c.prefix..=c.width()).contains(p))
        .ok_or_else(|| {
            EvalError::Invalid(format!(
                "cidrSubnet: the new CIDR {new_prefix} must be between {} and {}",
                c.prefix,
                c.width()
            ))
        })?;
    let split_bits = new_prefix - c.prefix;
    let index = u128::try_from(index)
        .ok()
        .filter(|i| split_bits >= 128 || *i < (1u128 << split_bits))
        .ok_or_else(|| {
            EvalError::Invalid(format!(
                "cidrSubnet: subnet index {index} is out of range for {split_bits} subnet bits"
            ))
        })?;
    let shift = c.width() - new_prefix;
    let start = c.network + if shift >= 128 { 0 } else { index << shift };
    Ok(Value::String(format!("{}/{new_prefix}", c.address(start))))
}

/// cidrHost(network, hostIndex): the `hostIndex`-th usable address (index 0 is the address
/// after the network address).
pub(super) fn cidr_host(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("cidrHost", args, 2, 2)?;
    let c = cidr_arg("cidrHost", arg(args, 0))?;
    let index = int_arg("cidrHost", arg(args, 1))?;
    // IPv4 keeps the broadcast address out of reach; IPv6 has none.
    let last_usable = if c.v6 {
        c.last()
    } else {
        c.last().saturating_sub(1)
    };
    let host = u128::try_from(index)
        .ok()
        .and_then(|i| c.network.checked_add(1)?.checked_add(i))
        .filter(|h| *h <= last_usable)
        .ok_or_else(|| {
            EvalError::Invalid(format!("cidrHost: host index {index} is out of range"))
        })?;
    Ok(Value::String(c.address(host)))
}

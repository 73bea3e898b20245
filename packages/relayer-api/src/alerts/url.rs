//! Webhook URLs: `http(s)`, no credentials, at most 512 bytes, and — unless the operator allows
//! it — never a loopback, private, link-local or otherwise internal address, neither written in
//! the URL nor answered by DNS at delivery time (the resolver below filters every answer, so a
//! name that resolves to an internal address later is refused then; redirects are not followed).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use hyper_014::client::connect::dns::Name;
use reqwest::dns::{Addrs, Resolve, Resolving};
use reqwest::Url;

pub const MAX_URL_BYTES: usize = 512;

/// Whether an address is one a webhook must not reach from the relayer's network. IPv6 forms
/// that carry an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by that address;
/// Teredo and local-use NAT64 are refused outright.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

fn internal_v6(v6: Ipv6Addr) -> bool {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return internal_v4(v4);
    }
    let s = v6.segments();
    let embedded = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if s[..6] == [0; 6] {
        // ::, ::1 and the IPv4-compatible ::a.b.c.d
        return v6.is_unspecified() || v6.is_loopback() || internal_v4(embedded(s[6], s[7]));
    }
    if s[0] == 0x64 && s[1] == 0xff9b {
        // NAT64: the well-known prefix carries an IPv4 address; local-use 64:ff9b:1::/48 is private
        return s[2..6] != [0; 4] || internal_v4(embedded(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        // 6to4
        return internal_v4(embedded(s[1], s[2]));
    }
    v6.is_multicast()
        || (s[0] == 0x2001 && s[1] == 0) // Teredo
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local
}

fn internal_v4(v4: Ipv4Addr) -> bool {
    let o = v4.octets();
    v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || o[0] == 0
        || o[0] >= 240 // reserved
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // carrier-grade NAT
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
}

/// The URL if alerts may be delivered to it, or why not (a sentence).
pub fn check(url: &str, allow_internal: bool) -> Result<Url, String> {
    if url.len() > MAX_URL_BYTES {
        return Err(format!("The URL is longer than {MAX_URL_BYTES} bytes."));
    }
    let parsed = Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}."))?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err("A webhook URL is https:// (or http://).".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("A webhook URL carries no user name or password.".into());
    }
    let host = parsed
        .host_str()
        .ok_or("A webhook URL names a host.")?
        .trim_matches(|c| c == '[' || c == ']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if allow_internal {
        return Ok(parsed);
    }
    let internal_name =
        host == "localhost" || host.ends_with(".localhost") || host.ends_with(".internal");
    let internal_ip = host.parse::<IpAddr>().is_ok_and(is_internal);
    if internal_name || internal_ip {
        return Err(format!(
            "{host} is a loopback, private or internal address, which this relayer does not \
             deliver to."
        ));
    }
    Ok(parsed)
}

/// DNS for deliveries: the system's answers, without internal addresses (unless allowed).
pub struct GuardedResolver {
    pub allow_internal: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow_internal;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allow || !is_internal(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(
                    format!("{host} resolves to no address alerts may be delivered to").into(),
                );
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_refused_unless_allowed() {
        for bad in [
            "http://127.0.0.1:8080/x",
            "http://localhost/x",
            "http://api.localhost/x",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://0.0.0.0/",
            "http://100.64.0.1/",
            "http://metadata.google.internal/",
            "http://127.1/",
            "http://0x7f.1/",
            "http://2130706433/",
            "http://[::127.0.0.1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[64:ff9b:1::1]/",
            "http://[2002:c0a8:0101::1]/",
            "http://[2001:0:4136:e378::1]/",
            "http://[fec0::1]/",
            "http://192.0.0.8/",
            "http://240.0.0.1/",
            "http://localhost./",
        ] {
            let why = check(bad, false).expect_err(bad);
            assert!(why.contains("internal address"), "{bad}: {why}");
            check(bad, true).unwrap_or_else(|e| panic!("{bad} allowed: {e}"));
        }
    }

    #[test]
    fn only_plain_http_urls_without_credentials() {
        check("https://hooks.example.org/diachain?x=1", false).unwrap();
        check("http://93.184.216.34/hook", false).unwrap();
        check("http://[2606:2800:220:1:248:1893:25c8:1946]/hook", false).unwrap();
        check("http://[64:ff9b::5db8:d822]/hook", false).unwrap();
        for (bad, why) in [
            ("ftp://example.org/", "https://"),
            ("file:///etc/passwd", "https://"),
            ("https://user:pw@example.org/", "user name"),
            ("not a url", "not a URL"),
        ] {
            let got = check(bad, true).expect_err(bad);
            assert!(got.contains(why), "{bad}: {got}");
        }
        let long = format!("https://example.org/{}", "a".repeat(MAX_URL_BYTES));
        assert!(check(&long, true).unwrap_err().contains("longer"));
    }

    #[tokio::test]
    async fn the_resolver_drops_internal_answers() {
        let guarded = GuardedResolver {
            allow_internal: false,
        };
        let name: Name = "localhost".parse().unwrap();
        assert!(guarded.resolve(name).await.is_err());
        let open = GuardedResolver {
            allow_internal: true,
        };
        let name: Name = "localhost".parse().unwrap();
        let addrs: Vec<SocketAddr> = open.resolve(name).await.unwrap().collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()) && !addrs.is_empty());
    }
}

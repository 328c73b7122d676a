//! The client's address: the TCP peer, or, only when the peer is a trusted proxy, the rightmost
//! address in `X-Forwarded-For` that is not itself a trusted proxy. A client can put anything at
//! the left of that header, so only hops our own proxies appended are believed.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The address a request came from, as Cancel Desk believes it (put into request extensions by
/// the guard; throttling and the audit trail use it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

fn trusted(ip: IpAddr, proxies: &[IpNet]) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    proxies.iter().any(|net| net.contains(&ip))
}

/// Resolves the client of a request that arrived from `peer`.
pub fn resolve(peer: SocketAddr, headers: &HeaderMap, proxies: &[IpNet]) -> ClientAddr {
    let peer_ip = peer.ip();
    if !trusted(peer_ip, proxies) {
        return ClientAddr(peer_ip);
    }
    // Every X-Forwarded-For header, in order, read as one list of hops.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer_ip;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted(ip, proxies) => client = ip,
            Ok(ip) => return ClientAddr(ip),
            // A garbled hop: the last address we could believe is the best we know.
            Err(_) => break,
        }
    }
    ClientAddr(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn xff(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", value.parse().unwrap());
        h
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let peer: SocketAddr = "203.0.113.9:5000".parse().unwrap();
        assert_eq!(
            resolve(peer, &xff("198.51.100.1"), &nets(&["10.0.0.0/8"])).0,
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            resolve(peer, &xff("198.51.100.1"), &[]).0,
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_wins() {
        let peer: SocketAddr = "10.0.0.2:5000".parse().unwrap();
        let proxies = nets(&["10.0.0.0/8"]);
        // The client forged the leftmost entry; our proxies appended the real one.
        let got = resolve(peer, &xff("1.2.3.4, 198.51.100.7, 10.0.0.5"), &proxies);
        assert_eq!(got.0, "198.51.100.7".parse::<IpAddr>().unwrap());
        // No header: the proxy itself.
        assert_eq!(
            resolve(peer, &HeaderMap::new(), &proxies).0,
            "10.0.0.2".parse::<IpAddr>().unwrap()
        );
        // Garbage stops the walk at the last believable hop.
        assert_eq!(
            resolve(peer, &xff("198.51.100.7, junk, 10.0.0.5"), &proxies).0,
            "10.0.0.5".parse::<IpAddr>().unwrap()
        );
        // Several headers count as one list.
        let mut h = xff("198.51.100.7");
        h.append("x-forwarded-for", "10.0.0.9".parse().unwrap());
        assert_eq!(
            resolve(peer, &h, &proxies).0,
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_ranges() {
        let peer: SocketAddr = "[::ffff:10.0.0.2]:5000".parse().unwrap();
        let got = resolve(peer, &xff("198.51.100.7"), &nets(&["10.0.0.0/8"]));
        assert_eq!(got.0, "198.51.100.7".parse::<IpAddr>().unwrap());
    }
}

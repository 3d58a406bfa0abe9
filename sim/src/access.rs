//! How an order reaches the exchange: the access record.
//!
//! Every request carries the account, the channel (an API key, or the web or
//! mobile front end), the source IP, the region and kind of network that IP
//! belongs to, and a fingerprint of the client software. Exchanges see all of
//! this, so it is part of the public event stream; detectors of key sharing
//! live on it.
//!
//! Regions come from a fixed public table with coordinates, standing in for
//! the geolocation database an exchange would query.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::types::{AccountId, KeyId};

/// The route an order took into the exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Channel {
    /// The exchange's web front end.
    Web,
    /// The exchange's mobile app.
    Mobile,
    /// The trading API, authenticated with this key.
    Api(KeyId),
}

impl Channel {
    /// Returns the API key, if the order came through the API.
    pub fn key(self) -> Option<KeyId> {
        match self {
            Channel::Api(key) => Some(key),
            Channel::Web | Channel::Mobile => None,
        }
    }

    /// Tells whether the order came through the API.
    pub fn is_api(self) -> bool {
        matches!(self, Channel::Api(_))
    }
}

/// An IPv4 source address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ip(pub u32);

impl fmt::Display for Ip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.0.to_be_bytes();
        write!(f, "{a}.{b}.{c}.{d}")
    }
}

/// The kind of network a source IP belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Network {
    /// A fixed-line home or office connection.
    Home,
    /// A mobile carrier; addresses change as the device moves.
    Mobile,
    /// A cloud provider's data centre.
    Cloud,
    /// A commercial VPN exit.
    Vpn,
}

/// A fingerprint of the client software that sent the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Client {
    /// The exchange's own web front end.
    OfficialWeb,
    /// The exchange's own mobile app.
    OfficialApp,
    /// A widely used, recognised trading library, by index.
    KnownLibrary(u8),
    /// A tool the exchange does not recognise, by fingerprint.
    Unknown(u16),
}

/// The access record attached to every request and therefore to every event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Access {
    /// The account the request acts for.
    pub account: AccountId,
    /// The front end or API key used.
    pub channel: Channel,
    /// The source address.
    pub ip: Ip,
    /// Where the source address is, by the public region table.
    pub region: RegionId,
    /// What kind of network the source address is on.
    pub network: Network,
    /// The client software.
    pub client: Client,
}

impl Access {
    /// The access record of what the exchange does by itself (its
    /// controls, reconciliations and halts): account 0, which no
    /// participant holds, on the web channel from address 0.0.0.0.
    pub const EXCHANGE: Access = Access {
        account: AccountId(0),
        channel: Channel::Web,
        ip: Ip(0),
        region: RegionId(0),
        network: Network::Home,
        client: Client::OfficialWeb,
    };
}

/// An index into [`REGIONS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RegionId(pub u16);

/// A place IP addresses are located in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Region {
    /// A short name.
    pub name: &'static str,
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
    /// Whether the region is in Korea, the exchange's home market.
    pub domestic: bool,
}

/// The public region table. The first four regions are domestic.
pub const REGIONS: [Region; 14] = [
    Region { name: "seoul", lat: 37.57, lon: 126.98, domestic: true },
    Region { name: "incheon", lat: 37.46, lon: 126.71, domestic: true },
    Region { name: "busan", lat: 35.18, lon: 129.08, domestic: true },
    Region { name: "daejeon", lat: 36.35, lon: 127.38, domestic: true },
    Region { name: "tokyo", lat: 35.68, lon: 139.69, domestic: false },
    Region { name: "osaka", lat: 34.69, lon: 135.50, domestic: false },
    Region { name: "hong-kong", lat: 22.32, lon: 114.17, domestic: false },
    Region { name: "singapore", lat: 1.35, lon: 103.82, domestic: false },
    Region { name: "mumbai", lat: 19.08, lon: 72.88, domestic: false },
    Region { name: "frankfurt", lat: 50.11, lon: 8.68, domestic: false },
    Region { name: "london", lat: 51.51, lon: -0.13, domestic: false },
    Region { name: "virginia", lat: 38.95, lon: -77.45, domestic: false },
    Region { name: "oregon", lat: 45.60, lon: -121.18, domestic: false },
    Region { name: "sao-paulo", lat: -23.55, lon: -46.63, domestic: false },
];

/// The number of domestic regions at the start of [`REGIONS`].
pub const DOMESTIC_REGIONS: u16 = 4;

impl RegionId {
    /// Returns the region's entry in the public table.
    ///
    /// # Panics
    ///
    /// Panics if the id is outside the table; the simulator only builds ids
    /// from the table.
    pub fn region(self) -> &'static Region {
        &REGIONS[usize::from(self.0)]
    }

    /// Returns the great-circle distance to another region in kilometres.
    pub fn distance_km(self, other: RegionId) -> f64 {
        great_circle_km(self.region(), other.region())
    }
}

impl fmt::Display for RegionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.region().name)
    }
}

/// Returns the haversine distance between two regions, in kilometres.
fn great_circle_km(a: &Region, b: &Region) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0;
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seoul_to_frankfurt_is_about_8_500_km() {
        let d = RegionId(0).distance_km(RegionId(9));
        assert!((8400.0..8700.0).contains(&d), "{d}");
    }

    #[test]
    fn distance_is_symmetric_and_zero_on_the_diagonal() {
        for a in 0..REGIONS.len() as u16 {
            assert_eq!(RegionId(a).distance_km(RegionId(a)), 0.0);
            for b in 0..REGIONS.len() as u16 {
                let ab = RegionId(a).distance_km(RegionId(b));
                let ba = RegionId(b).distance_km(RegionId(a));
                assert!((ab - ba).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn domestic_regions_come_first() {
        for (i, r) in REGIONS.iter().enumerate() {
            assert_eq!(r.domestic, i < usize::from(DOMESTIC_REGIONS), "{}", r.name);
        }
    }

    #[test]
    fn ip_displays_dotted() {
        assert_eq!(Ip(0x0A00_0001).to_string(), "10.0.0.1");
    }
}

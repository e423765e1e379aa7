//! Distinct customers over any range of days without reading who they were: a HyperLogLog per day (Flajolet
//! et al., 2007), 512 registers; the days of a range merge by taking each register's highest rank. Below about
//! 1,300 customers it is linear counting, which is exact unless two customers share a register.

use sha2::{Digest, Sha256};
use store::ACTIVE_REGISTERS;

const PRECISION: u32 = ACTIVE_REGISTERS.trailing_zeros();

/// The register a customer falls in and the rank it sets there (the position of the first 1 bit after the
/// register's bits), from a hash that is the same on every machine and release.
pub fn register_of(customer: &str) -> (u32, u8) {
    let digest = Sha256::digest(customer.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    let hash = u64::from_be_bytes(bytes);
    let register = (hash >> (64 - PRECISION)) as u32;
    let rest = hash << PRECISION;
    let rank = (rest.leading_zeros().min(64 - PRECISION) + 1) as u8;
    (register, rank)
}

/// The estimated number of distinct customers the merged registers saw.
pub fn estimate(registers: &[u8]) -> u64 {
    let m = registers.len() as f64;
    if registers.is_empty() {
        return 0;
    }
    let zeros = registers.iter().filter(|r| **r == 0).count();
    let harmonic: f64 = registers.iter().map(|r| 2f64.powi(-i32::from(*r))).sum();
    let alpha = 0.7213 / (1.0 + 1.079 / m);
    let raw = alpha * m * m / harmonic;
    let estimate = if raw <= 2.5 * m && zeros > 0 { m * (m / zeros as f64).ln() } else { raw };
    estimate.round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(customers: impl Iterator<Item = String>) -> u64 {
        let mut registers = vec![0u8; ACTIVE_REGISTERS as usize];
        for customer in customers {
            let (register, rank) = register_of(&customer);
            registers[register as usize] = registers[register as usize].max(rank);
        }
        estimate(&registers)
    }

    #[test]
    fn small_counts_are_exact_and_repeats_do_not_count() {
        assert_eq!(count(std::iter::empty()), 0);
        assert_eq!(count(["c-1", "c-2", "c-1", "c-3"].map(String::from).into_iter()), 3);
        // Two of these twenty share a register: linear counting then reads 19 (the estimate's error at 20).
        assert!((19..=20).contains(&count((0..20).map(|i| format!("customer-{i}")))));
    }

    #[test]
    fn large_counts_are_within_a_few_percent() {
        for n in [1_000u64, 10_000, 100_000] {
            let estimate = count((0..n).map(|i| format!("customer-{i}"))) as f64;
            let error = (estimate - n as f64).abs() / n as f64;
            assert!(error < 0.1, "{n}: estimated {estimate}");
        }
    }

    // Computed independently: sha256("customer-1")[..8] as big-endian, top 9 bits, then the leading zeros + 1.
    const PINNED: (u32, u8) = (464, 2);

    #[test]
    fn the_hash_is_stable_across_releases() {
        // Stored registers outlive deployments: the mapping must never change.
        let (register, rank) = register_of("customer-1");
        assert!(register < ACTIVE_REGISTERS && (1..=56).contains(&rank));
        assert_eq!((register, rank), PINNED);
    }
}

//! The hashes behind `uniqueString()` and `guid()`.
//!
//! Neither algorithm is in Microsoft's documentation; both are reverse-engineered.
//!
//! - uniqueString: the arguments joined by `-`, UTF-8, hashed with the MurmurHash64 variant
//!   of `Microsoft.WindowsAzure.ResourceStack.Common.Algorithms.ComputeHash` (two
//!   MurmurHash3-x86 lanes over 8-byte blocks), written as 13 base-32 digits `a-z2-7`,
//!   most significant first. Described in
//!   <https://gist.github.com/maskati/23f329e7db43c00184143f04498e537c> (derived from
//!   `Azure.Deployments.Expression`) and <https://github.com/JasonWhall/go-azure-uniquestring>.
//!   Confirmed against outputs of Microsoft's own implementation:
//!   `uniqueString('tyeth')` = `zcztcwvu6iyg6` (Stack Overflow question 43295720, computed
//!   with the Azure.Deployments.Expression package) and `uniqueString('hello', 'world')` =
//!   `a7wkljktk6wne` (go-azure-uniquestring); more vectors in `tests.rs`.
//! - guid: an RFC 4122 version-5 (SHA-1) UUID in the namespace
//!   `11fb06fb-712d-4ddd-98c7-e71bbd588830` over the arguments joined by `-`. Corroborated,
//!   not documented: `guid('test')` = `d6a5baf1-8b9b-542a-8525-2982f1f98a0c` in the arm2tf
//!   Terraform provider's tests, and Terraform/PowerShell code that reproduces the names of
//!   role assignments deployed with `guid(a, b, c)` uses `uuidv5(ns, join("-", ...))`. (One
//!   reimplementation, arm2tf, joins multiple arguments without a separator; the hyphen has
//!   the wider and deployment-verified support.)

/// The 64-bit hash of `data` (seed 0).
pub fn murmur64(data: &[u8]) -> u64 {
    const C1: u32 = 0x239b_961b;
    const C2: u32 = 0xab0e_9789;
    const C3: u32 = 0x38b3_4ae5;
    const C4: u32 = 0xa1e3_8b93;
    let (mut h1, mut h2) = (0u32, 0u32);
    let mut blocks = data.chunks_exact(8);
    for block in &mut blocks {
        let (k1, k2) = block.split_at(4);
        let (k1, k2) = (le_u32(k1), le_u32(k2));
        h1 ^= k1.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h1 = h1
            .rotate_left(19)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(0x561c_cd1b);
        h2 ^= k2.wrapping_mul(C2).rotate_left(17).wrapping_mul(C1);
        h2 = h2
            .rotate_left(13)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(0x0bca_a747);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let (low, high) = tail.split_at(tail.len().min(4));
        h1 ^= le_u32(low)
            .wrapping_mul(C1)
            .rotate_left(15)
            .wrapping_mul(C2);
        if tail.len() > 4 {
            h2 ^= le_u32(high)
                .wrapping_mul(C2)
                .rotate_left(17)
                .wrapping_mul(C1);
        }
    }
    // The length is mixed in as a 32-bit value, as .NET's `(uint)data.Length`.
    let len = data.len() as u32;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    let _ = (C3, C4); // the second pair of MurmurHash3 constants is unused by this variant
    (u64::from(h2) << 32) | u64::from(h1)
}

/// Little-endian value of up to four bytes.
fn le_u32(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .rev()
        .fold(0, |acc, b| (acc << 8) | u32::from(*b))
}

fn fmix(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// ARM's `uniqueString`: the hash as 13 base-32 digits (`a-z2-7`), most significant first.
pub fn unique_string(input: &str) -> String {
    const DIGITS: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut hash = murmur64(input.as_bytes());
    (0..13)
        .map(|_| {
            // `hash >> 59` is below 32.
            let digit = char::from(DIGITS.get((hash >> 59) as usize).copied().unwrap_or(b'a'));
            hash <<= 5;
            digit
        })
        .collect()
}

/// ARM's `guid`: UUID v5 in ARM's namespace over `input` (the arguments joined by `-`).
pub fn guid(input: &str) -> String {
    const NAMESPACE: uuid::Uuid = uuid::uuid!("11fb06fb-712d-4ddd-98c7-e71bbd588830");
    uuid::Uuid::new_v5(&NAMESPACE, input.as_bytes()).to_string()
}

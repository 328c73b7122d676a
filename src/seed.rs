//! Realistic demo orders: Indonesian customers, IDR amounts, paid over the last 90 days.
//! Deterministic for a given seed and clock, so demos and tests see the same data.

use crate::time::Timestamp;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::db::{self, orders::NewOrder};

/// The demo merchant, as DANA would have issued it.
pub const DEMO_MERCHANT_ID: &str = "216620000041231234567";
/// Orders written per transaction while seeding.
const ROWS_PER_TRANSACTION: usize = 20_000;
const SEED_DAYS: i64 = 90;

const FIRST_NAMES: &[&str] = &[
    "Budi",
    "Siti",
    "Agus",
    "Dewi",
    "Rudi",
    "Sri",
    "Andi",
    "Wulan",
    "Eko",
    "Rina",
    "Joko",
    "Intan",
    "Hendra",
    "Maya",
    "Yusuf",
    "Ayu",
    "Bayu",
    "Putri",
    "Fajar",
    "Nurul",
    "Dimas",
    "Indah",
    "Rizky",
    "Lestari",
    "Ahmad",
    "Fitri",
    "Arief",
    "Ratna",
    "Gilang",
    "Kartika",
    "Hadi",
    "Mega",
    "Teguh",
    "Nadia",
    "Irfan",
    "Sekar",
    "Wahyu",
    "Anisa",
    "Yoga",
    "Citra",
    "Bambang",
    "Dian",
    "Reza",
    "Laras",
    "Surya",
    "Novi",
    "Taufik",
    "Rahma",
    "Adi",
    "Ningsih",
    "Kevin",
    "Melati",
    "Galih",
    "Yuni",
    "Hari",
    "Aulia",
    "Dedi",
    "Farah",
    "Iwan",
    "Salsabila",
    "Made",
    "Ketut",
    "Wayan",
    "Nyoman",
    "Komang",
    "Ucok",
    "Butet",
    "Tigor",
    "Dayang",
    "Asep",
    "Euis",
    "Cecep",
    "Neng",
    "Ujang",
    "Yanti",
    "Benny",
    "Clara",
    "Stefanus",
    "Yohana",
    "Ignatius",
];

const LAST_NAMES: &[&str] = &[
    "Santoso",
    "Wijaya",
    "Saputra",
    "Hidayat",
    "Kusuma",
    "Pratama",
    "Setiawan",
    "Nugroho",
    "Lestari",
    "Gunawan",
    "Siregar",
    "Nasution",
    "Simanjuntak",
    "Harahap",
    "Lubis",
    "Sitompul",
    "Tanjung",
    "Hutapea",
    "Purnomo",
    "Susanto",
    "Wibowo",
    "Hartono",
    "Halim",
    "Tanoto",
    "Salim",
    "Sutanto",
    "Permana",
    "Firmansyah",
    "Ramadhan",
    "Maulana",
    "Syahputra",
    "Kurniawan",
    "Suryadi",
    "Utami",
    "Rahayu",
    "Anggraini",
    "Putra",
    "Effendi",
    "Hakim",
    "Munthe",
    "Pardede",
    "Sinaga",
    "Manurung",
    "Tampubolon",
    "Sembiring",
    "Ginting",
    "Tarigan",
    "Wirawan",
    "Adiputra",
    "Suharto",
    "Yulianto",
    "Prasetyo",
    "Budiman",
    "Iskandar",
    "Mahendra",
    "Daulay",
    "Rangkuti",
    "Batubara",
    "Pohan",
    "Matondang",
];

/// (description, lowest and highest price in whole rupiah)
const ITEMS: &[(&str, i64, i64)] = &[
    ("Pulsa Telkomsel", 10_000, 200_000),
    ("Paket Data XL 30 hari", 50_000, 150_000),
    ("Token Listrik PLN", 20_000, 1_000_000),
    ("Kopi Susu Gula Aren", 18_000, 45_000),
    ("Nasi Goreng Spesial", 25_000, 60_000),
    ("Tiket KAI Jakarta - Bandung", 120_000, 350_000),
    ("Tiket Pesawat Jakarta - Denpasar", 850_000, 2_500_000),
    ("Voucher Game Mobile Legends", 15_000, 500_000),
    ("Langganan Streaming 1 Bulan", 39_000, 189_000),
    ("Belanja Bulanan Supermarket", 150_000, 2_000_000),
    ("Sepatu Olahraga", 350_000, 1_800_000),
    ("Kemeja Batik", 150_000, 900_000),
    ("Ponsel Android", 1_500_000, 9_000_000),
    ("Laptop", 6_000_000, 25_000_000),
    ("Obat dan Vitamin Apotek", 35_000, 400_000),
    ("Tagihan BPJS Kesehatan", 42_000, 450_000),
    ("Tagihan PDAM", 60_000, 500_000),
    ("Donasi Zakat", 50_000, 5_000_000),
    ("Ojek Online", 12_000, 85_000),
    ("Hotel 1 Malam", 350_000, 3_000_000),
];

const STORES: &[&str] = &[
    "JKT-SENAYAN-01",
    "JKT-KELAPA-GADING-02",
    "BDG-DAGO-01",
    "SBY-TUNJUNGAN-01",
    "DPS-KUTA-01",
];
const DIVISIONS: &[&str] = &["DIV-RETAIL", "DIV-FNB", "DIV-TRAVEL"];

/// Generates `count` orders numbered from `first_seq`, paid during the 90 days before `now`.
pub fn generate(rng: &mut StdRng, first_seq: i64, count: usize, now: Timestamp) -> Vec<NewOrder> {
    (0..count as i64)
        .map(|i| generate_one(rng, first_seq + i, now))
        .collect()
}

fn generate_one(rng: &mut StdRng, seq: i64, now: Timestamp) -> NewOrder {
    let paid_at = now.plus_seconds(-rng.random_range(60..SEED_DAYS * 86_400));
    let day = crate::time::jakarta_date(paid_at).replace('-', "");
    let (item, low, high) = ITEMS[rng.random_range(0..ITEMS.len())];
    // Prices end in hundreds of rupiah, as real tickets do; amounts are sen.
    let rupiah = rng.random_range(low / 100..=high / 100) * 100;
    let quantity = if rupiah < 100_000 {
        rng.random_range(1..=3)
    } else {
        1
    };
    let description = if quantity > 1 {
        format!("{item} x{quantity}")
    } else {
        item.to_string()
    };
    let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
    let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
    let in_store = rng.random_bool(0.4);
    // Most seeded orders are still paid; some were cancelled before Cancel Desk was used.
    let status = if rng.random_bool(0.92) {
        "PAID"
    } else {
        "CANCELLED"
    };
    NewOrder {
        partner_reference_no: format!("{day}{seq:014}"),
        reference_no: Some(format!(
            "{day}1112128{:010}",
            rng.random_range(0..10_000_000_000_i64)
        )),
        merchant_id: DEMO_MERCHANT_ID.to_string(),
        sub_merchant_id: in_store
            .then(|| DIVISIONS[rng.random_range(0..DIVISIONS.len())].to_string()),
        external_store_id: in_store.then(|| STORES[rng.random_range(0..STORES.len())].to_string()),
        amount_minor: rupiah * quantity * 100,
        currency: crate::money::IDR.to_string(),
        status,
        paid_at,
        customer_name: Some(format!("{first} {last}")),
        customer_phone_masked: Some(format!(
            "+62 8{}{}-****-{:04}",
            rng.random_range(1..=9),
            rng.random_range(1..=9),
            rng.random_range(0..10_000)
        )),
        item_description: Some(description),
        source: crate::orders::model::OrderSource::Seed,
    }
}

/// Page cache for the seeding connection: index inserts land at random places in five B-trees
/// and the name index, and SQLite's default 2 MB cache would re-read pages constantly.
const SEED_CACHE_KIB: i64 = 256 * 1024;

/// Writes `count` generated orders in batched transactions; returns how many were written.
pub async fn seed_orders(
    pool: &db::Pool,
    count: usize,
    seed: u64,
    now: Timestamp,
) -> Result<usize, sqlx::Error> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut next_seq = db::orders::max_id(pool).await? + 1;
    let mut conn = pool.acquire().await?;
    db::set_page_cache(&mut conn, Some(SEED_CACHE_KIB)).await?;
    let mut written = 0;
    let result = async {
        while written < count {
            let batch = ROWS_PER_TRANSACTION.min(count - written);
            let orders = generate(&mut rng, next_seq, batch, now);
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            db::orders::insert_many(&mut tx, &orders, now).await?;
            tx.commit().await?;
            written += batch;
            next_seq += batch as i64;
        }
        Ok::<_, sqlx::Error>(())
    }
    .await;
    // The connection goes back to the pool: give it the ordinary cache again.
    db::set_page_cache(&mut conn, None).await?;
    result?;
    drop(conn);
    db::after_bulk_load(pool, "orders").await?;
    Ok(written)
}

/// Orders whose partner reference makes the DANA sandbox answer one catalog row each (DANA's own
/// sandbox convention), so demos and tests can show every answer. Skips those already present.
pub async fn seed_scenario_orders(pool: &db::Pool, now: Timestamp) -> Result<usize, sqlx::Error> {
    let mut scenarios: Vec<(String, String)> = crate::dana::catalog::CATALOG
        .iter()
        .filter(|e| e.http_status.is_some() && e.code != "2005700")
        .map(|e| {
            (
                e.code.to_string(),
                format!("Sandbox scenario: {}", e.message),
            )
        })
        .collect();
    scenarios.extend([
        (
            "SANDBOX-HANG".to_string(),
            "Sandbox scenario: DANA does not answer".to_string(),
        ),
        (
            "SANDBOX-LOST".to_string(),
            "Sandbox scenario: DANA cancels but its answer is lost".to_string(),
        ),
        (
            "SANDBOX-EMPTY-BODY".to_string(),
            "Sandbox scenario: empty answer".to_string(),
        ),
        (
            "SANDBOX-MALFORMED-JSON".to_string(),
            "Sandbox scenario: broken answer".to_string(),
        ),
    ]);
    let mut fresh = Vec::new();
    for (i, (reference, description)) in scenarios.into_iter().enumerate() {
        if db::orders::find_by_partner_reference(pool, &reference)
            .await?
            .is_none()
        {
            fresh.push(NewOrder {
                reference_no: Some(format!(
                    "{}1112128{:010}",
                    crate::time::jakarta_date(now).replace('-', ""),
                    i
                )),
                partner_reference_no: reference,
                merchant_id: DEMO_MERCHANT_ID.to_string(),
                sub_merchant_id: None,
                external_store_id: None,
                amount_minor: 2_500_000 + i as i64 * 10_000,
                currency: crate::money::IDR.to_string(),
                status: "PAID",
                paid_at: now.plus_seconds(-3_600 - i as i64 * 60),
                customer_name: Some("Demo Pelanggan".to_string()),
                customer_phone_masked: Some("+62 811-****-0000".to_string()),
                item_description: Some(description),
                source: crate::orders::model::OrderSource::Seed,
            });
        }
    }
    let mut tx = pool.begin().await?;
    db::orders::insert_many(&mut tx, &fresh, now).await?;
    tx.commit().await?;
    Ok(fresh.len())
}

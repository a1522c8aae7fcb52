// Cloudflare's published prices used by `npm run bench` for the cost-per-million table: marginal
// prices on the Workers Paid plan (what each further million costs once the monthly allowances are
// used up; the allowances and the $5 monthly minimum are left out).
//
// Taken on 2026-12-01 from Cloudflare's documentation sources (the cloudflare/cloudflare-docs
// repository, which renders the pages named below), at the commits given — this machine has no
// internet access, so the live pages were not opened that day. Check them before quoting a bill.
// SPEC §9 names one of these figures itself: "KV writes dominate: $5 per million".

export const PRICES_TAKEN = "2026-12-01";

export const PRICES = {
  workerRequest: {
    usd: 0.3,
    per: 1e6,
    unit: "request",
    page: "https://developers.cloudflare.com/workers/platform/pricing/",
    source: "cloudflare-docs src/content/docs/workers/platform/pricing.mdx @07acbb6 (Standard: +$0.30 per additional million requests)",
  },
  workerCpuMs: {
    usd: 0.02,
    per: 1e6,
    unit: "CPU ms",
    page: "https://developers.cloudflare.com/workers/platform/pricing/",
    source: "same page (+$0.02 per additional million CPU milliseconds)",
  },
  durableObjectRequest: {
    usd: 0.15,
    per: 1e6,
    unit: "request",
    page: "https://developers.cloudflare.com/durable-objects/platform/pricing/",
    source: "cloudflare-docs src/content/partials/workers/durable_objects_pricing.mdx @16fe308 (+$0.15/million; every RPC method call on a stub is one billed request)",
  },
  durableObjectGbSecond: {
    usd: 12.5,
    per: 1e6,
    unit: "GB-s",
    memoryGb: 0.128, // "Duration billing charges for the 128 MB of memory your Durable Object is allocated"
    page: "https://developers.cloudflare.com/durable-objects/platform/pricing/",
    source: "same partial (+$12.50/million GB-s, wall-clock while active, 128 MB per object)",
  },
  kvRead: {
    usd: 0.5,
    per: 1e6,
    unit: "read",
    page: "https://developers.cloudflare.com/kv/platform/pricing/",
    source: "cloudflare-docs src/content/partials/workers/kv_pricing.mdx @16f657e (read requests +$0.50/million)",
  },
  kvWrite: {
    usd: 5,
    per: 1e6,
    unit: "write",
    page: "https://developers.cloudflare.com/kv/platform/pricing/",
    source: "same partial (write requests +$5.00/million; delete and list requests are priced the same)",
  },
  sqliteRowWritten: {
    usd: 1,
    per: 1e6,
    unit: "row written",
    page: "https://developers.cloudflare.com/durable-objects/platform/pricing/",
    source: "cloudflare-docs src/content/partials/workers/storage_api_pricing.mdx @33c6600 (rows written +$1.00/million; each setAlarm is a row written)",
  },
  sqliteRowRead: {
    usd: 0.001,
    per: 1e6,
    unit: "row read",
    page: "https://developers.cloudflare.com/durable-objects/platform/pricing/",
    source: "same partial (rows read +$0.001/million)",
  },
};

/** USD for `count` units of a price. */
export const cost = (price, count) => (price.usd * count) / price.per;

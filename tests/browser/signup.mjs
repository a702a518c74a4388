// The seller's promise, end to end in real Chromium on a phone-sized screen:
// land on the dashboard, sign up by phone + SMS code, name a store, add a product with
// a photo, get the live store link, and open it as a shopper would.
//
// Env: HAAT_BASE_URL (a running `haat serve`), HAAT_SMS_OUTBOX (its SMS outbox file).
// Screenshots go to ./artifacts/. Prints one JSON line with the measured time.
import { launch, phoneContext } from './chromium.mjs';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import assert from 'node:assert/strict';

const base = process.env.HAAT_BASE_URL;
const outbox = process.env.HAAT_SMS_OUTBOX;
assert.ok(base && outbox, 'HAAT_BASE_URL and HAAT_SMS_OUTBOX are required');
const artifacts = new URL('./artifacts/', import.meta.url).pathname;
mkdirSync(artifacts, { recursive: true });

// A real PNG photo made here (no fixtures to download): a 640x480 gradient.
function pngPhoto(width = 640, height = 480) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      raw[row + 1 + x * 3] = 200 - (y * 120) / height;
      raw[row + 2 + x * 3] = 80 + (x * 120) / width;
      raw[row + 3 + x * 3] = 60;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function lastCode(phone) {
  const lines = readFileSync(outbox, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const mine = lines.filter((l) => l.to === phone && l.otp);
  assert.ok(mine.length > 0, `no code for ${phone} in ${outbox}`);
  return mine[mine.length - 1].otp;
}

const browser = await launch();
let failed = false;
try {
  const phone = `+9198${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  const local = phone.slice(3);
  const storeName = `Browser Bakery ${Math.floor(Math.random() * 1e6)}`;
  const context = await phoneContext(browser);
  const page = await context.newPage();
  page.setDefaultTimeout(20000);

  const started = Date.now();
  await page.goto(`${base}/dashboard`);
  await page.screenshot({ path: `${artifacts}01-login.png`, fullPage: true });
  await page.fill('input[name=phone]', local);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/dashboard/login"] button[type=submit]')]);
  await page.waitForSelector('input[name=code]');
  await page.screenshot({ path: `${artifacts}02-code.png`, fullPage: true });
  await page.fill('input[name=code]', lastCode(phone));
  await Promise.all([page.waitForNavigation(), page.click('form[action="/dashboard/verify"] button[type=submit]')]);

  // One-screen store setup.
  await page.waitForSelector('form[action="/dashboard/store"] input[name=name]');
  await page.screenshot({ path: `${artifacts}03-setup.png`, fullPage: true });
  await page.fill('form[action="/dashboard/store"] input[name=name]', storeName);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/dashboard/store"] button[type=submit]')]);

  // Add a product with a photo from the "gallery".
  await Promise.all([page.waitForNavigation(), page.click('a[href="/dashboard/products/new"]')]);
  await page.fill('input[name=name]', 'Eggless Chocolate Cake');
  await page.fill('input[name=price]', '450');
  await page.setInputFiles('input[type=file][name=image]', {
    name: 'IMG_20261122.png', mimeType: 'image/png', buffer: pngPhoto(),
  });
  await Promise.all([page.waitForNavigation(), page.click('form[action="/dashboard/products"] button[type=submit]')]);
  await page.screenshot({ path: `${artifacts}04-dashboard.png`, fullPage: true });

  // The live store link, as the dashboard shows it to share.
  const slug = storeName.toLowerCase().replace(/ /g, '-');
  const storeUrl = await page.inputValue('#store-link');
  assert.equal(storeUrl, `${base}/${slug}`, 'the dashboard shows the live store link');
  assert.ok((await page.content()).includes('Eggless Chocolate Cake'), 'the product is listed');
  const elapsedMs = Date.now() - started;

  // The shopper's view, on the same phone-sized screen.
  const shopper = await context.newPage();
  const response = await shopper.goto(storeUrl);
  assert.equal(response.status(), 200);
  await shopper.waitForSelector('text=Eggless Chocolate Cake');
  assert.ok((await shopper.content()).includes('₹450'), 'price formatted for INR');
  const img = shopper.locator('img[srcset]').first();
  await img.scrollIntoViewIfNeeded();
  await shopper.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle());
  await shopper.screenshot({ path: `${artifacts}05-store.png`, fullPage: true });

  // Back on the dashboard: take UPI, charge delivery, add a discount code — all from
  // the phone, through the dashboard's own forms.
  await page.goto(`${base}/dashboard`);
  await Promise.all([page.waitForNavigation(), page.click('a[href="/dashboard/checkout"]')]);
  await page.fill('input[name=upi_id]', 'not a upi id');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/dashboard/checkout"] button[type=submit]')]);
  assert.ok(await page.isVisible('#upi_id-error'), 'a bad UPI id is explained next to the field');
  await page.fill('input[name=upi_id]', 'meera@okhdfc');
  await page.fill('input[name=delivery_fee]', '40');
  await page.screenshot({ path: `${artifacts}06-payments-and-delivery.png`, fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click('form[action="/dashboard/checkout"] button[type=submit]')]);
  assert.ok((await page.content()).includes('Payments and delivery settings saved.'));
  await Promise.all([page.waitForNavigation(), page.click('a[href="/dashboard/discounts"]')]);
  await page.fill('input[name=code]', 'CAKE10');
  await page.fill('input[name=value]', '10');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/dashboard/discounts"] button[type=submit]')]);
  assert.ok((await page.content()).includes('10% off'), 'the code is listed');
  await page.screenshot({ path: `${artifacts}07-discount-codes.png`, fullPage: true });

  // The shopper's checkout now offers UPI and takes the code.
  await shopper.goto(storeUrl);
  await shopper.locator('li.cell', { hasText: 'Eggless Chocolate Cake' }).locator('form[data-cart-add] button').click();
  await shopper.waitForFunction(() => document.querySelector('[data-cart-count]')?.textContent === '1');
  await shopper.goto(`${storeUrl}/cart`);
  assert.equal(await shopper.locator('input[name=payment_method][value=upi]').count(), 1, 'UPI is offered');
  assert.ok((await shopper.content()).includes('₹40'), 'the delivery fee is shown');
  await shopper.fill('input[name=name]', 'Asha Verma');
  await shopper.fill('input[name=phone]', '98765 43210');
  await shopper.fill('textarea[name=address]', '4 Lake Road, Pune');
  await shopper.fill('input[name=discount_code]', 'cake10');
  await Promise.all([shopper.waitForNavigation(), shopper.click('#checkout button[type=submit]')]);
  assert.match(shopper.url(), /\/o\/[0-9a-f]{32}/, 'the order status page');
  // ₹450 − 10% + ₹40 delivery.
  assert.ok((await shopper.content()).includes('₹445'), 'the code and the fee are in the total');

  // The seller's order desk: the new order, accepted from the phone.
  await Promise.all([page.waitForNavigation(), page.goto(`${base}/dashboard`)]);
  await Promise.all([page.waitForNavigation(), page.click('header a[href="/dashboard/orders"]')]);
  assert.ok((await page.content()).includes('Asha Verma'), 'the order is listed');
  await page.screenshot({ path: `${artifacts}08-orders.png`, fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click('a.product[href^="/dashboard/orders/"]')]);
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Accept order")')]);
  assert.equal(await page.textContent('#order-status'), 'Accepted');
  await page.screenshot({ path: `${artifacts}09-order-accepted.png`, fullPage: true });

  const result = { test: 'signup_to_live_store_link', elapsed_ms: elapsedMs, store_url: storeUrl };
  writeFileSync(`${artifacts}timing.json`, JSON.stringify(result) + '\n');
  console.log(JSON.stringify(result));
} catch (error) {
  failed = true;
  console.error('browser test failed:', error);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);

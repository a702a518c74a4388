// The shopper's promise, end to end in real Chromium on a phone-sized screen:
// open the store link, add to cart (with JavaScript on: the count updates in place),
// check out paying by UPI, see the UPI link and QR code, pay through the test gateway
// (a real `haat fake-gateway` process that sends a signed webhook), and watch the
// status page show "Paid", then the tracking link once the seller ships.
//
// Env: HAAT_BASE_URL (a running `haat serve` with HAAT_PAYMENTS_WEBHOOK_SECRET and
// HAAT_PAYMENTS_TEST_GATEWAY_URL set), HAAT_SMS_OUTBOX (its SMS outbox file).
// Screenshots go to ./artifacts/.
import { launch, phoneContext } from './chromium.mjs';
import { readFileSync, mkdirSync } from 'node:fs';
import assert from 'node:assert/strict';

const base = process.env.HAAT_BASE_URL;
const outbox = process.env.HAAT_SMS_OUTBOX;
assert.ok(base && outbox, 'HAAT_BASE_URL and HAAT_SMS_OUTBOX are required');
const artifacts = new URL('./artifacts/', import.meta.url).pathname;
mkdirSync(artifacts, { recursive: true });

async function api(method, path, token, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

function lastCode(phone) {
  const lines = readFileSync(outbox, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const mine = lines.filter((l) => l.to === phone && l.otp);
  assert.ok(mine.length > 0, `no code for ${phone}`);
  return mine[mine.length - 1].otp;
}

// The seller's side, through the API: a store that takes UPI, with two products.
const phone = `+9197${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
assert.equal((await api('POST', '/api/v1/auth/otp', null, { phone })).status, 200);
const verified = await api('POST', '/api/v1/auth/verify', null, { phone, code: lastCode(phone) });
assert.equal(verified.status, 200, JSON.stringify(verified.body));
const token = verified.body.token;
const created = await api('POST', '/api/v1/stores', token, { name: `Chai Point ${Math.floor(Math.random() * 1e6)}` });
assert.equal(created.status, 201);
const store = created.body;
const patched = await api('PATCH', `/api/v1/stores/${store.id}`, token, {
  upi_id: 'chaipoint@okhdfc',
  delivery_fee: '30',
});
assert.equal(patched.status, 200, JSON.stringify(patched.body));
for (const product of [
  { name: 'Masala Chai (500 g)', price: '180', stock: 25 },
  { name: 'Elaichi Rusk', price: '60', stock: 40 },
]) {
  assert.equal((await api('POST', `/api/v1/stores/${store.id}/products`, token, product)).status, 201);
}

const browser = await launch();
let failed = false;
try {
  const context = await phoneContext(browser);
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));

  // Store page → add two items without leaving the page.
  await page.goto(`${base}/${store.slug}`);
  await page.waitForSelector('text=Masala Chai (500 g)');
  const chai = page.locator('li.cell', { hasText: 'Masala Chai' }).locator('form[data-cart-add] button');
  await chai.click();
  await page.waitForFunction(() => document.querySelector('[data-cart-count]')?.textContent === '1');
  await chai.click();
  await page.waitForFunction(() => document.querySelector('[data-cart-count]')?.textContent === '2');
  assert.equal(new URL(page.url()).pathname, `/${store.slug}`, 'stayed on the store page');
  await page.screenshot({ path: `${artifacts}11-store-with-cart.png`, fullPage: true });

  // Cart and checkout on one page.
  await Promise.all([page.waitForNavigation(), page.click('a.cartlink')]);
  assert.ok((await page.content()).includes('₹360'), 'cart shows 2 × ₹180');
  await page.fill('input[name=name]', 'Ravi Kumar');
  await page.fill('input[name=phone]', '98765 43210');
  await page.fill('textarea[name=address]', 'Flat 4, 12 MG Road\nPune 411001');
  await page.check('input[name=payment_method][value=upi]');
  await page.screenshot({ path: `${artifacts}12-checkout.png`, fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click('#checkout button[type=submit]')]);

  // The status page: UPI intent link and QR code.
  assert.match(page.url(), new RegExp(`/${store.slug}/o/[0-9a-f]{32}`));
  const statusUrl = page.url().split('?')[0];
  const upiHref = await page.getAttribute('#upi-link', 'href');
  assert.match(upiHref, /^upi:\/\/pay\?pa=chaipoint@okhdfc&pn=.+&am=390\.00&cu=INR&tn=.+&tr=HT[0-9A-F]{18}$/);
  assert.equal(await page.locator('.qr svg').count(), 1, 'QR code drawn');
  assert.equal(await page.textContent('#payment-status'), 'Awaiting payment');
  await page.screenshot({ path: `${artifacts}13-pay-by-upi.png`, fullPage: true });

  // Pay through the test gateway: a signed webhook reaches Haat, the page says Paid.
  await Promise.all([page.waitForNavigation(), page.click('#test-pay')]);
  await page.screenshot({ path: `${artifacts}14-test-gateway.png`, fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  await page.goto(statusUrl);
  assert.equal(await page.textContent('#payment-status'), 'Paid');
  assert.equal(await page.locator('#upi').count(), 0, 'no payment prompt once paid');

  // The seller accepts and ships; the shopper sees the tracking link.
  const orderToken = statusUrl.split('/').pop();
  const order = await api('GET', `/api/v1/storefront/${store.slug}/orders/${orderToken}`);
  assert.equal(order.body.payment_status, 'paid');
  assert.equal(order.body.payments.length, 1);
  const list = await api('GET', `/api/v1/stores/${store.id}/orders`, token);
  assert.equal(list.status, 200, JSON.stringify(list.body));
  const orderId = (list.body.items ?? list.body.orders)[0].id;
  const move = (body) => api('POST', `/api/v1/stores/${store.id}/orders/${orderId}/transitions`, token, body);
  assert.equal((await move({ status: 'accepted' })).status, 200);
  const shipped = await move({ status: 'shipped', shipping_provider: 'delhivery', tracking_id: 'DL1234567890' });
  assert.equal(shipped.status, 200, JSON.stringify(shipped.body));
  await page.reload();
  assert.equal(await page.textContent('#status'), 'On its way');
  const track = page.locator('#tracking a');
  assert.equal(await track.getAttribute('href'), 'https://www.delhivery.com/track/package/DL1234567890');
  await page.screenshot({ path: `${artifacts}15-shipped.png`, fullPage: true });

  // The invoice downloads as a PDF.
  const pdf = await page.request.get(`${statusUrl}/invoice.pdf`);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.equal(errors.length, 0, `page errors: ${errors.join('; ')}`);
  console.log(JSON.stringify({ test: 'shopper_orders_and_pays', order: order.body.display_number }));
} catch (error) {
  failed = true;
  console.error('browser test failed:', error);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);

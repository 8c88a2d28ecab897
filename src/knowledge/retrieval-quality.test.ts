import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import type { Store } from "../store/store.js";
import { knowledgeHarness } from "./testing/knowledge-harness.js";

/*
 * A small corpus about a fictional cycling shop, and questions whose answers sit in known sections.
 * Retrieval is lexical only (BM25), as on a server without an embedding model; questions are worded
 * the way customers ask, not copied from the passages.
 */
const CORPUS = [
  { name: "shop.md", text: `# Spoke & Chain
## Opening hours
The workshop opens at 8:30 on weekdays and at 10:00 on Saturdays. On Sundays and public holidays the shop is closed.
## Location
You find us at 14 Canal Street, next to the old lock bridge. Bike parking is in the courtyard behind the shop.
## Contact
Call 020 555 0142 or write to hello@spokeandchain.example; we answer email within one working day.` },
  { name: "repairs.md", text: `# Repairs
## Puncture repair
A puncture repair costs 12 euros including a new inner tube, and takes about twenty minutes while you wait.
## Full service
The full service (gears, brakes, bearings, wheel truing) costs 89 euros. Book it at least three days ahead.
## E-bike motors
We diagnose Bosch and Shimano e-bike motors. Motor repairs are sent to the manufacturer and take two to three weeks.` },
  { name: "rental.md", text: `# Rental
## City bikes
City bikes rent for 15 euros a day or 60 euros a week. A passport or identity card is required as a deposit.
## Cargo bikes
Cargo bikes with a child seat rent for 35 euros a day; reserve them online because we only have four.
## Damage
Renters pay for damage beyond normal wear, up to 150 euros; theft insurance is included in the price.` },
  { name: "returns.md", text: `# Returns and warranty
## Returns
Unused items can be returned within 30 days with the receipt; the refund goes back to the original payment method.
## Warranty
Frames carry a lifetime warranty against manufacturing defects; components are covered for two years.
## Sale items
Items bought in the winter sale can be exchanged but not refunded.` },
  { name: "faq.json", text: JSON.stringify([
    { question: "Do you sell second-hand bicycles?", answer: "Yes, every refurbished bike gets a 120-point inspection and a six-month guarantee." },
    { question: "Can I pay in instalments?", answer: "Purchases above 500 euros can be split into 12 monthly payments without interest." },
    { question: "Do you offer bike fitting?", answer: "A professional bike fit with saddle height and cleat adjustment takes ninety minutes and costs 120 euros." },
    { question: "Is there a student discount?", answer: "Students get ten percent off accessories and repairs with a valid student card." },
  ]) },
  { name: "catalogue.csv", text: `name,price,description
Gravel King tyre,45,"700x40c tubeless-ready gravel tyre, puncture-resistant casing"
Lumen 900 front light,79,"900 lumen USB-C rechargeable headlight, six hours battery life"
Kryptonite U-lock,65,"Hardened steel U-lock, sold secure gold rating"
Merino cycling socks,18,"Wool socks that stay warm when wet"` },
  { name: "events.md", text: `# Events
## Group rides
A free group ride leaves the shop every Sunday at 9:00, regardless of the closed shop, and covers 60 kilometres at an easy pace.
## Maintenance classes
On the first Thursday of each month we teach a basic maintenance class: fixing a chain, adjusting brakes, cleaning the drivetrain.` },
];

const QUESTIONS: Array<{ question: string; source: string; heading: string }> = [
  { question: "What time do you open on Saturday?", source: "shop.md", heading: "Opening hours" },
  { question: "Where is the shop located?", source: "shop.md", heading: "Location" },
  { question: "What's your phone number?", source: "shop.md", heading: "Contact" },
  { question: "How much is fixing a flat tyre puncture?", source: "repairs.md", heading: "Puncture repair" },
  { question: "Price of a complete service for my bike", source: "repairs.md", heading: "Full service" },
  { question: "My electric bike motor is broken", source: "repairs.md", heading: "E-bike motors" },
  { question: "How much does it cost to rent a city bike for a week?", source: "rental.md", heading: "City bikes" },
  { question: "Can I rent a cargo bike with a child seat?", source: "rental.md", heading: "Cargo bikes" },
  { question: "What happens if I damage a rented bike?", source: "rental.md", heading: "Damage" },
  { question: "Can I return a helmet I never used?", source: "returns.md", heading: "Returns" },
  { question: "Is the frame covered by warranty?", source: "returns.md", heading: "Warranty" },
  { question: "Refund for something from the winter sale", source: "returns.md", heading: "Sale items" },
  { question: "Do you have used second-hand bikes?", source: "faq.json", heading: "second-hand" },
  { question: "Can I spread the payment over monthly instalments?", source: "faq.json", heading: "instalments" },
  { question: "I want a bike fit for my saddle height", source: "faq.json", heading: "bike fitting" },
  { question: "Discount for students?", source: "faq.json", heading: "student discount" },
  { question: "Which tubeless gravel tyres do you sell?", source: "catalogue.csv", heading: "Gravel King" },
  { question: "A rechargeable headlight with long battery life", source: "catalogue.csv", heading: "Lumen 900" },
  { question: "When is the Sunday group ride?", source: "events.md", heading: "Group rides" },
  { question: "Do you teach how to adjust brakes?", source: "events.md", heading: "Maintenance classes" },
];

describe("retrieval quality (BM25 only)", () => {
  let store: Store;
  let harness: ReturnType<typeof knowledgeHarness>;
  let agentId: string;

  beforeAll(async () => {
    store = await openSqliteStore({ file: ":memory:" });
    harness = knowledgeHarness(store);
    const agent = await store.agents.create({ id: "agt_quality", handle: "quality", ownerId: null, profile: { name: "Spoke" } as never, now: new Date().toISOString() });
    agentId = agent.id;
    await harness.add(agentId, CORPUS);
  });

  afterAll(async () => {
    await harness.indexer[Symbol.asyncDispose]();
    await store[Symbol.asyncDispose]();
  });

  it("finds the passage that answers each question in the top 5 (hit@5 of at least 0.9)", async () => {
    const misses: string[] = [];
    let firstPlace = 0;
    for (const { question, source, heading } of QUESTIONS) {
      const { passages, mode } = await harness.service.search(agentId, question, 5);
      expect(mode).toBe("lexical");
      const rank = passages.findIndex((passage) => passage.sourceName === source && passage.heading.toLowerCase().includes(heading.toLowerCase()));
      if (rank === -1) misses.push(`${question} -> ${passages.map((passage) => `${passage.sourceName}:${passage.heading}`).join(" | ")}`);
      if (rank === 0) firstPlace++;
    }
    const hitAt5 = (QUESTIONS.length - misses.length) / QUESTIONS.length;
    console.info(`hit@5 = ${hitAt5.toFixed(2)}, hit@1 = ${(firstPlace / QUESTIONS.length).toFixed(2)} over ${QUESTIONS.length} questions`);
    expect(hitAt5, `answers missing from the top 5:\n${misses.join("\n")}`).toBeGreaterThanOrEqual(0.9);
  });
});

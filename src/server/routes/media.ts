import { z } from "zod";
import { AtelierError } from "../../contracts/index.js";
import { route, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";

const MediaParams = z.object({ name: z.string().min(1).max(100) });

/**
 * Avatars, public by design (the share page and other sites' widgets show them). The name is the
 * image's sha256, so a URL always means the same bytes: cached forever, by anyone.
 */
export function mediaRoutes({ interchange }: AppServices): RouteSpec[] {
  return [
    route({
      method: "GET", url: "/media/:name", tag: "public", summary: "An image (agent avatar) by its content name, \"<sha256>.<png|jpg|webp|gif>\"",
      auth: { allow: ["anyone"], rateLimit: "public" }, params: MediaParams, responses: { 200: { file: "image/*" } },
      handler: async ({ params, reply }) => {
        const found = await interchange.media(params.name);
        if (!found) throw new AtelierError("not_found", `No image "${params.name.slice(0, 80)}".`);
        void reply
          .type(found.mime)
          .header("cache-control", "public, max-age=31536000, immutable")
          // Other sites' pages (the widget) show avatars too; helmet's same-origin default would block them.
          .header("cross-origin-resource-policy", "cross-origin")
          .header("x-content-type-options", "nosniff");
        return { status: 200, body: Buffer.from(found.bytes.buffer, found.bytes.byteOffset, found.bytes.byteLength) };
      },
    }),
  ];
}

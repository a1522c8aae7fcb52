// SPEC §9 context floor (c): the framework and the runtime alone — a hello-world Hono Worker.
import { Hono } from "hono";

const app = new Hono();
app.all("*", (c) => c.json({ hello: "world" }));
export default app;

import { routes } from "../router.js";

export const pullRoutes = routes({});

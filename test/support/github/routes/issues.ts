import { routes } from "../router.js";

export const issueRoutes = routes({});

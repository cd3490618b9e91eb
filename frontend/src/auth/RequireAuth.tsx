import { Navigate, Outlet, useLocation } from "react-router";
import { loginPathFor, useAuth } from "./AuthProvider";

export function RequireAuth() {
  const { user } = useAuth();
  const location = useLocation();
  if (!user) return <Navigate to={loginPathFor(location)} replace />;
  return <Outlet />;
}

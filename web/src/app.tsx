import { useEffect, useRef } from "react";
import { SessionProvider, useSession } from "./auth/session";
import { Link, matchPath, RouterProvider, useRouter } from "./router";
import { CompaniesView } from "./views/companies/companies.view";
import { CompanyView } from "./views/companies/company.view";
import { CreateCompanyView } from "./views/companies/create-company.view";
import { FilesView } from "./views/files/files.view";
import { RunView } from "./views/runs/run.view";
import { RunsView } from "./views/runs/runs.view";
import { TrendsView } from "./views/trends/trends.view";

const NAV = [
  { to: "/companies", label: "Companies" },
  { to: "/runs", label: "Runs" },
  { to: "/files", label: "Files" },
  { to: "/trends", label: "Trends" },
];

function Routes() {
  const { path, navigate } = useRouter();
  useEffect(() => {
    if (path === "/" || path === "/index.html") navigate("/companies", { replace: true });
  }, [path, navigate]);

  if (path === "/companies") return <CompaniesView />;
  if (path === "/companies/new") return <CreateCompanyView />;
  const company = matchPath("/companies/:id", path);
  if (company) return <CompanyView id={company.id} />;
  if (path === "/runs") return <RunsView />;
  const run = matchPath("/runs/:id", path);
  if (run) return <RunView id={run.id} />;
  if (path === "/files") return <FilesView />;
  if (path === "/trends") return <TrendsView />;
  if (path === "/" || path === "/index.html") return null;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link to="/companies">Go to the companies</Link>.
      </p>
    </section>
  );
}

function Shell() {
  const { me, signOut } = useSession();
  const { path } = useRouter();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  // After in-app navigation, keyboard and screen-reader users start at the new view, not at the link they used.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [path]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/companies" className="brand">
          dashql
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <Link to={item.to} aria-current={path === item.to || path.startsWith(item.to + "/") ? "page" : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            {me.username} <span className="role">{me.role}</span>
          </span>
          <button type="button" className="secondary" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main className="page" id="main" ref={main} tabIndex={-1}>
        <Routes />
      </main>
    </>
  );
}

/** The dashboard: sign-in first, then companies, runs and files. */
export function App() {
  return (
    <RouterProvider>
      <SessionProvider>
        <Shell />
      </SessionProvider>
    </RouterProvider>
  );
}

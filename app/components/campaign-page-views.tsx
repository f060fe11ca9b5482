import type { SerializeFrom } from '@remix-run/node';
import { Form, Link, useNavigation } from '@remix-run/react';
import { BarChart } from './bar-chart';
import { CampaignForm } from './campaign-form';
import { CsrfField } from './csrf-field';
import { FactsList } from './facts-list';
import type { CampaignActionAnswer, CampaignIntent } from '../models/campaigns-actions.server';
import type { loader } from '../routes/campaigns.$campaignId';

/**
 * The campaign page's two views: what a partner's users see of a campaign they were invited to,
 * and the coordinator's and channel managers' page with invitations, target accounts and figures.
 */

export type PartnerPage = Extract<SerializeFrom<typeof loader>, { view: 'partner' }>;
export type StaffPage = Extract<SerializeFrom<typeof loader>, { view: 'staff' }>;

function CampaignFacts({ campaign }: { campaign: PartnerPage['campaign'] }) {
  const list = (values: string[]) => (values.length === 0 ? 'Any' : values.join(', '));
  return (
    <FactsList
      facts={[
        { term: 'Goal', value: campaign.goal || 'Not written down yet' },
        { term: 'Dates', value: campaign.dates },
        { term: 'Countries', value: list(campaign.countries) },
        { term: 'Industries', value: list(campaign.industries) },
        { term: 'Customer sizes', value: list(campaign.sizeSegments) },
        { term: 'Product lines', value: list(campaign.productLines) },
      ]}
    />
  );
}

export function PartnerView({ page, answerError }: { page: PartnerPage; answerError: string | undefined }) {
  const busy = useNavigation().state === 'submitting';
  return (
    <>
      <section className="panel" aria-labelledby="invitation-title">
        <h2 id="invitation-title">Your company’s invitation</h2>
        <p>
          <span className={`badge badge--invitation-${page.invitation.status}`}>{page.invitation.label}</span>{' '}
          <span className="muted">
            Invited {page.invitation.invited}
            {page.invitation.responded ? `, answered ${page.invitation.responded}` : ''}.
          </span>
        </p>
        {page.mayAnswer ? (
          <Form method="post" className="form answer-form" aria-labelledby="invitation-title" id="answer">
            <CsrfField />
            <input type="hidden" name="intent" value="answer" />
            <p>
              Joined partners see the campaign’s target accounts, and routing offers them its leads first. You
              answer for your company.
            </p>
            <div className="answer-form__buttons">
              <button type="submit" name="answer" value="join" className="button" disabled={busy}>
                Join
              </button>
              <button
                type="submit"
                name="answer"
                value="decline"
                className="button button--secondary"
                disabled={busy}
              >
                Decline
              </button>
            </div>
            {answerError ? (
              <p className="field__error" role="alert">
                {answerError}
              </p>
            ) : null}
          </Form>
        ) : page.invitation.status === 'invited' ? (
          <p className="muted">
            {page.campaign.status === 'completed'
              ? 'This campaign is completed; the invitation can no longer be answered.'
              : 'A partner admin of your company answers this invitation.'}
          </p>
        ) : null}
      </section>

      <section className="panel" aria-labelledby="about-title">
        <h2 id="about-title">The campaign</h2>
        <CampaignFacts campaign={page.campaign} />
      </section>

      <section className="panel" aria-labelledby="accounts-title">
        <h2 id="accounts-title">Target accounts</h2>
        {page.accounts === null ? (
          <p className="muted">The target accounts open to your company once it has joined the campaign.</p>
        ) : (
          <AccountsTable accounts={page.accounts} />
        )}
      </section>

      <section className="panel" aria-labelledby="leads-title">
        <h2 id="leads-title">Your campaign leads</h2>
        {page.leads.length === 0 ? (
          <p className="empty">Your company has accepted no lead from this campaign yet.</p>
        ) : (
          <div className="table-scroll" role="region" aria-label="Your campaign leads" tabIndex={0}>
            <table className="table">
              <caption className="visually-hidden">
                Leads from this campaign that your company accepted
              </caption>
              <thead>
                <tr>
                  <th scope="col">Customer</th>
                  <th scope="col">Need</th>
                  <th scope="col">Stage</th>
                  <th scope="col" className="numeric">
                    Value
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.leads.map((lead) => (
                  <tr key={lead.opportunityId}>
                    <th scope="row">
                      <Link to={`/leads/${lead.opportunityId}`}>{lead.customerName}</Link>
                    </th>
                    <td className="need">{lead.need}</td>
                    <td>{lead.won ? `${lead.status} (${lead.won})` : lead.status}</td>
                    <td className="numeric nowrap">{lead.value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function AccountsTable({
  accounts,
  removable = false,
}: {
  accounts: PartnerPage['accounts'] & object;
  removable?: boolean;
}) {
  if (accounts.length === 0) return <p className="empty">No target account yet.</p>;
  return (
    <div className="table-scroll" role="region" aria-label="Target accounts" tabIndex={0}>
      <table className="table">
        <caption className="visually-hidden">The campaign’s target accounts, by name</caption>
        <thead>
          <tr>
            <th scope="col">Customer</th>
            <th scope="col">Country</th>
            <th scope="col">Industry</th>
            <th scope="col">Size</th>
            <th scope="col">Potential</th>
            {removable ? <th scope="col">Remove</th> : null}
          </tr>
        </thead>
        <tbody>
          {accounts.map((account) => (
            <tr key={account.customerId}>
              <th scope="row">
                {account.name}
                {account.domain ? <span className="subtle">{account.domain}</span> : null}
              </th>
              <td>{account.country}</td>
              <td>{account.industry}</td>
              <td>{account.sizeSegment}</td>
              <td>{account.revenuePotential}</td>
              {removable ? (
                <td>
                  <Form method="post">
                    <CsrfField />
                    <input type="hidden" name="intent" value="removeAccount" />
                    <input type="hidden" name="customerId" value={account.customerId} />
                    <button type="submit" className="button button--secondary button--small">
                      Remove<span className="visually-hidden"> {account.name}</span>
                    </button>
                  </Form>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function StaffView({
  page,
  answer,
  errorsFor,
}: {
  page: StaffPage;
  answer: CampaignActionAnswer | undefined;
  errorsFor: (intent: CampaignIntent) => Record<string, string>;
}) {
  const busy = useNavigation().state === 'submitting';
  const { figures } = page;
  const editRefused = answer?.intent === 'update';
  return (
    <>
      <div className="manager-columns">
        <section className="panel" aria-labelledby="about-title">
          <h2 id="about-title">The campaign</h2>
          <CampaignFacts campaign={page.campaign} />
          <FactsList
            facts={[
              { term: 'Budget', value: page.campaign.budget },
              { term: 'Coordinator', value: page.coordinatorName ?? 'Nobody' },
              {
                term: 'Routing',
                value: page.campaign.joinedPartnersFirst
                  ? 'Joined partners are offered its leads before anyone else'
                  : 'Joined partners score higher for its leads',
              },
            ]}
          />
        </section>

        <section className="panel" aria-labelledby="partners-title">
          <h2 id="partners-title">Invited partners</h2>
          {page.invited.length === 0 ? (
            <p className="empty">No partner invited yet.</p>
          ) : (
            <div className="table-scroll" role="region" aria-label="Invited partners" tabIndex={0}>
              <table className="table">
                <caption className="visually-hidden">Invited partners and their answers</caption>
                <thead>
                  <tr>
                    <th scope="col">Partner</th>
                    <th scope="col">Answer</th>
                    <th scope="col">Invited</th>
                  </tr>
                </thead>
                <tbody>
                  {page.invited.map((p) => (
                    <tr key={p.partnerId}>
                      <th scope="row">
                        <Link to={`/partners/${p.partnerId}`}>{p.name}</Link>
                      </th>
                      <td>
                        <span className={`badge badge--invitation-${p.status}`}>{p.label}</span>
                        {p.responded ? <span className="subtle">{p.responded}</span> : null}
                      </td>
                      <td className="nowrap">{p.invited}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>

      <section className="panel" aria-labelledby="figures-title">
        <h2 id="figures-title">Figures</h2>
        <p className="muted">
          Counted live from the campaign’s leads and offers. Money in {figures.currency}, the campaign’s
          currency
          {figures.otherCurrencies.length > 0
            ? '; leads in other currencies are listed apart, not added in'
            : ''}
          .
        </p>
        <div className="stats">
          <Stat
            label="Leads"
            value={String(figures.overall.leads)}
            hint={`${figures.overall.offered} offered`}
          />
          <Stat
            label="Accepted"
            value={String(figures.overall.accepted)}
            hint={`median time to accept ${figures.overall.median}`}
          />
          <Stat label="Pipeline" value={figures.overall.pipeline} hint="open leads’ value" />
          <Stat
            label="Won"
            value={figures.overall.won}
            hint={
              figures.hasBudget
                ? `${figures.overall.ofBudget} of the ${figures.budget} budget`
                : 'no budget set'
            }
          />
        </div>
        {figures.hasBudget ? (
          <BarChart
            title="Won value against budget"
            description={`${figures.overall.won} won of a ${figures.budget} budget: ${figures.overall.ofBudget}.`}
            bars={[
              { label: 'Budget', value: figures.budgetMinor, display: figures.budget },
              { label: 'Won', value: figures.overall.wonMinor, display: figures.overall.won },
            ]}
          />
        ) : null}

        <h3>Per partner</h3>
        {figures.partners.length === 0 ? (
          <p className="empty">No partner has joined or been offered a lead of this campaign yet.</p>
        ) : (
          <>
            <div className="chart-pair">
              <BarChart
                title="Accepted leads per partner"
                description={figures.partners.map((p) => `${p.name}: ${p.accepted}`).join('; ')}
                bars={figures.acceptedBars}
              />
              <BarChart
                title={`Won value per partner (${figures.currency})`}
                description={figures.partners.map((p) => `${p.name}: ${p.won}`).join('; ')}
                bars={figures.wonBars}
              />
            </div>
            <div className="table-scroll" role="region" aria-label="Figures per partner" tabIndex={0}>
              <table className="table figures-table">
                <caption className="visually-hidden">
                  The campaign’s figures per partner, and for all partners together
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Partner</th>
                    <th scope="col" className="numeric">
                      Leads
                    </th>
                    <th scope="col" className="numeric">
                      Offered
                    </th>
                    <th scope="col" className="numeric">
                      Accepted
                    </th>
                    <th scope="col" className="numeric">
                      Median time to accept
                    </th>
                    <th scope="col" className="numeric">
                      Pipeline
                    </th>
                    <th scope="col" className="numeric">
                      Won
                    </th>
                    <th scope="col" className="numeric">
                      Won of budget
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {figures.partners.map((p) => (
                    <FigureLine key={p.partnerId} name={p.name} cells={p} />
                  ))}
                </tbody>
                <tfoot>
                  <FigureLine name="All partners" cells={figures.overall} />
                </tfoot>
              </table>
            </div>
          </>
        )}
        {figures.otherCurrencies.length > 0 ? (
          <>
            <h3>Leads in other currencies</h3>
            <p className="muted">
              Not converted and not in the figures above: Baton keeps no exchange rates.
            </p>
            <ul>
              {figures.otherCurrencies.map((c) => (
                <li key={c.currency}>
                  {c.currency}: {c.leads} {c.leads === 1 ? 'lead' : 'leads'}, pipeline {c.pipeline}, won{' '}
                  {c.won}
                </li>
              ))}
            </ul>
          </>
        ) : null}
        <p>
          <a href={`/campaigns/${page.campaign.id}/export.csv`} download>
            Download the figures per partner (CSV)
          </a>
        </p>
      </section>

      {page.mayInvite ? (
        <section className="panel" aria-labelledby="suggestions-title">
          <h2 id="suggestions-title">Invite partners</h2>
          <p className="muted">Active partners not yet invited, those covering most of the targets first.</p>
          {page.suggestions.length === 0 ? (
            <p className="empty">Every active partner is invited already.</p>
          ) : (
            <Form method="post" className="form" aria-labelledby="suggestions-title">
              <CsrfField />
              <input type="hidden" name="intent" value="invite" />
              <fieldset
                className="choices suggestions"
                aria-describedby={errorsFor('invite').partnerIds ? 'partnerIds-error' : undefined}
              >
                <legend>Partners to invite</legend>
                {page.suggestions.map((s) => (
                  <div className="choice" key={s.partnerId}>
                    <input
                      type="checkbox"
                      id={`invite-${s.partnerId}`}
                      name="partnerIds"
                      value={s.partnerId}
                    />
                    <label htmlFor={`invite-${s.partnerId}`}>
                      {s.name} <span className="muted">({s.tier})</span>
                      <span className="subtle">
                        {s.overlap > 0 ? `Matches ${s.why}` : 'Matches none of the targets'}
                      </span>
                    </label>
                  </div>
                ))}
              </fieldset>
              {errorsFor('invite').partnerIds ? (
                <p id="partnerIds-error" className="field__error">
                  {errorsFor('invite').partnerIds}
                </p>
              ) : null}
              <button type="submit" className="button" disabled={busy}>
                Invite the chosen partners
              </button>
            </Form>
          )}
        </section>
      ) : null}

      <section className="panel" aria-labelledby="accounts-title">
        <h2 id="accounts-title">Target accounts</h2>
        <AccountsTable accounts={page.accounts} removable={page.mayEdit} />
        {page.mayEdit ? (
          <>
            <h3>Add an account</h3>
            <Form method="get" className="field-row" role="search" aria-label="Find a customer">
              <div className="field">
                <label htmlFor="q">Customer name</label>
                <input id="q" name="q" type="search" defaultValue={page.query} />
              </div>
              <div className="field field--button">
                <button type="submit" className="button button--secondary">
                  Search
                </button>
              </div>
            </Form>
            {errorsFor('addAccount').customerId ? (
              <p className="field__error" role="alert">
                {errorsFor('addAccount').customerId}
              </p>
            ) : null}
            {page.query !== '' && page.customerMatches.length === 0 ? (
              <p className="empty">No customer’s name contains “{page.query}”.</p>
            ) : null}
            {page.customerMatches.length > 0 ? (
              <ul className="customer-matches">
                {page.customerMatches.map((c) => (
                  <li key={c.customerId}>
                    <span>
                      {c.name}{' '}
                      <span className="muted">
                        ({c.country}
                        {c.domain ? `, ${c.domain}` : ''})
                      </span>
                    </span>
                    {c.alreadyTarget ? (
                      <span className="muted">Already a target</span>
                    ) : (
                      <Form method="post">
                        <CsrfField />
                        <input type="hidden" name="intent" value="addAccount" />
                        <input type="hidden" name="customerId" value={c.customerId} />
                        <button type="submit" className="button button--small">
                          Add<span className="visually-hidden"> {c.name}</span>
                        </button>
                      </Form>
                    )}
                  </li>
                ))}
              </ul>
            ) : null}
          </>
        ) : null}
      </section>

      {page.mayEdit ? (
        <section className="panel" aria-labelledby="edit-title">
          <details open={editRefused}>
            <summary>
              <h2 id="edit-title" className="details-heading">
                Change the campaign
              </h2>
            </summary>
            <CampaignForm
              values={answer?.typed ?? page.editValues}
              errors={errorsFor('update')}
              intent="update"
              submitLabel="Save the changes"
              busy={busy}
            />
          </details>
        </section>
      ) : null}
    </>
  );
}

function FigureLine({ name, cells }: { name: string; cells: StaffPage['figures']['overall'] }) {
  return (
    <tr>
      <th scope="row">{name}</th>
      <td className="numeric">{cells.leads}</td>
      <td className="numeric">{cells.offered}</td>
      <td className="numeric">{cells.accepted}</td>
      <td className="numeric nowrap">{cells.median}</td>
      <td className="numeric nowrap">{cells.pipeline}</td>
      <td className="numeric nowrap">{cells.won}</td>
      <td className="numeric">{cells.ofBudget}</td>
    </tr>
  );
}

function Stat({ label, value, hint }: { label: string; value: string; hint: string }) {
  return (
    <div className="stat">
      <p className="stat__label">{label}</p>
      <p className="stat__value">{value}</p>
      <p className="stat__hint">{hint}</p>
    </div>
  );
}

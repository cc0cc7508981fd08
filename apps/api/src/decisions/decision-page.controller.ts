import { Body, Controller, Get, Logger, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { MemberEntity } from '@app/db';
import { DecisionLinks } from '@app/mail';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ProblemException } from '../common/problem';
import { answeredPage, closedPage, formPage, PAGE_HEADERS, problemPage } from './decision-page';
import { DecisionsService } from './decisions.service';

/**
 * The page behind the link in a decision email: `GET /decide/<token>` shows the question (a GET
 * never answers, so mail scanners that open links change nothing), `POST` answers and redirects
 * back (post/redirect/get: a reload does not send twice). Expired, tampered or used links get a
 * page saying so, never a stack trace.
 */
@ApiExcludeController()
@Controller('decide')
export class DecisionPageController {
  private readonly logger = new Logger(DecisionPageController.name);

  constructor(
    private readonly links: DecisionLinks,
    private readonly decisions: DecisionsService,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  @Get(':token')
  async show(@Param('token') token: string, @Query('answered') answered: string | undefined, @Res() res: Response): Promise<void> {
    const ctx = await this.open(token, res);
    if (!ctx) return;
    const { decision, voter, member } = ctx;
    if (voter.optionId !== null) return send(res, 200, answeredPage(decision, voter, answered === '1'));
    if (decision.status !== 'open' || decision.deadline.getTime() <= Date.now()) return send(res, 410, closedPage(decision, 'closed'));
    send(res, 200, formPage(decision, member.name));
  }

  @Post(':token')
  async answer(@Param('token') token: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const ctx = await this.open(token, res);
    if (!ctx) return;
    const { decision, member } = ctx;
    const option = typeof body?.option === 'string' ? body.option : '';
    const comment = typeof body?.comment === 'string' && body.comment.trim() !== '' ? Array.from(body.comment.trim()).slice(0, 1000).join('') : undefined;
    if (!option) return send(res, 400, formPage(decision, member.name, 'Choose one of the options, then send.'));
    try {
      await this.decisions.answer({ decisionId: decision.id, member, optionId: option, comment, via: 'link' });
    } catch (err) {
      if (!(err instanceof ProblemException)) {
        // A page, not a JSON stack: the member can simply try again (the answer is idempotent).
        this.logger.error(`answering ${decision.id} for ${member.id} failed: ${err instanceof Error ? err.stack : String(err)}`);
        return send(res, 503, problemPage('Your answer could not be recorded yet', 'Something went wrong on our side. Please send your answer again in a minute.'));
      }
      const fresh = await this.open(token, res, { quiet: true });
      if (err.code === 'validation_failed' && fresh && err.errors?.[0]?.field === 'comment') {
        return send(res, 400, formPage(fresh.decision, member.name, 'Your comment contains characters that cannot be stored; remove them and send again.'));
      }
      if (err.code === 'validation_failed' && fresh) return send(res, 400, formPage(fresh.decision, member.name, 'That is not one of the options; choose one of these.'));
      if (err.code === 'already_answered' && fresh) return send(res, 409, answeredPage(fresh.decision, fresh.voter, false));
      if (err.code === 'decision_closed' && fresh) return send(res, 410, closedPage(fresh.decision, 'closed'));
      if (err.status >= 500) return send(res, err.status, problemPage('Your answer could not be recorded yet', 'The system is busy or partly down. Please send your answer again in a minute.'));
      return send(res, err.status, problemPage('Your answer could not be recorded', err.detail));
    }
    res.redirect(303, `${token}?answered=1`);
  }

  /** Checks the link and loads what it points at; answers with an explanatory page otherwise. */
  private async open(token: string, res: Response, opts: { quiet?: boolean } = {}) {
    const link = this.links.verify(token);
    const fail = (status: number, title: string, message: string) => {
      if (!opts.quiet) send(res, status, problemPage(title, message));
      return null;
    };
    if (!link.ok && link.reason === 'invalid') {
      return fail(400, 'This link is not valid', 'The link is incomplete or has been changed. Open it again from the email, copying the whole address.');
    }
    const member = await this.ds.getRepository(MemberEntity).findOneBy({ id: link.memberId });
    let found;
    try {
      found = member ? await this.decisions.forMember(link.decisionId, member.id) : null;
    } catch (err) {
      if (!(err instanceof ProblemException && err.status === 404)) throw err;
      found = null;
    }
    if (!member || !found) return fail(404, 'Decision not found', 'This decision no longer exists.');
    if (!link.ok) {
      if (!opts.quiet) send(res, 410, found.voter.optionId ? answeredPage(found.decision, found.voter, false) : closedPage(found.decision, 'expired'));
      return null;
    }
    if (member.status !== 'active') return fail(403, 'Your membership is suspended', 'Suspended members cannot answer decisions.');
    return { ...found, member };
  }
}

function send(res: Response, status: number, body: string): void {
  res.status(status).set(PAGE_HEADERS).send(body);
}

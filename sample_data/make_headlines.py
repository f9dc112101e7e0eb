# ruff: noqa: E501
"""Write ``sample_data/headlines.csv`` from the hand-written sentences below.

Every text was written by the embedlens team for this file; none is copied from a dataset or a
website. Each line of a topic block is ``<sentiment> | <text>``, where the sentiment in [-1, 1]
was assigned by hand. Outlets and publication dates are drawn with a fixed seed, so running the
script again gives a byte-identical file::

    python sample_data/make_headlines.py
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import re
from pathlib import Path

OUT = Path(__file__).resolve().parent / "headlines.csv"
SEED = 20250114
SOURCES = (
    "Daily Ledger",
    "Metro Wire",
    "Harbour Gazette",
    "The Morning Courier",
    "Northside Post",
    "Valley Chronicle",
)
FIRST_DAY = dt.date(2025, 1, 1)
LAST_DAY = dt.date(2026, 2, 28)
MIN_WORDS, MAX_WORDS, MIN_PER_TOPIC = 8, 30, 60

SPORT = """
+0.7 | Harbour City clinch the league title with a stoppage-time goal in front of 41,000 fans.
-0.5 | Club goalkeeper ruled out for six weeks after fracturing two fingers in training before the cup final.
+0.6 | Kenyan runner breaks the course record at the Rotterdam marathon, winning the race by almost a minute. Fans lined the final kilometre.
-0.3 | Rain washes out the final day of the third test, and the England coach says his players were robbed of a win.
+0.4 | Underdogs from the second division knock the cup holders out on penalties. Their goalkeeper saved three spot kicks as the fans invaded the pitch.
-0.6 | Coach sacked after a run of nine matches without a win leaves the club in the league relegation zone.
+0.5 | Teenage swimmer sets a national record in the 200 metres butterfly to win her heat at the championship trials in Glasgow.
0.0 | The transfer window closes at midnight on Friday, with three league clubs still chasing a striker before the season resumes.
+0.6 | Wheelchair basketball team wins bronze after a thrilling overtime match against Canada.
-0.4 | Tennis star retires hurt in the second set of her quarter-final match with a recurring shoulder problem.
+0.2 | Cyclists face a brutal mountain stage on Thursday as the race climbs into the Pyrenees and the title contenders prepare to attack.
-0.7 | Fans clash outside the stadium before the derby match, and police make fourteen arrests.
+0.4 | Rugby coach names an uncapped winger in the team for the autumn internationals.
+0.3 | A birdie on the eighteenth hands the club professional a one-shot lead after the second round of the golf championship.
-0.3 | Referees' union asks for better protection after a string of touchline confrontations with coaches and players in youth league football.
+0.8 | Local boxer wins the European featherweight title with a unanimous decision in Belfast.
0.0 | League confirms the new football season will kick off on the second weekend of August.
-0.4 | Heatwave forces organisers to move the start of the half marathon race to six in the morning. Fans and runners were told to carry water.
+0.4 | Club agrees a record shirt sponsorship with an online bank worth forty million a season.
-0.3 | Team doctors report a worrying rise in hamstring injuries among players during the congested winter schedule.
+0.6 | Netball captain scores 48 goals as her team storms into the grand final.
+0.4 | The sprinter shaved a tenth off his personal best in the 100 metres heats to reach the championship final.
-0.4 | Hockey team concedes three goals in the final period and slips to fourth in the league.
+0.6 | A hat-trick from the nineteen-year-old forward sealed a 4-1 away win and lifted the club into the top four.
+0.7 | Rowing crew wins the boat race by three lengths despite choppy water on the Thames.
0.0 | Federation votes to introduce video review for offside goals from next season.
-0.6 | Star striker handed a five-match ban for elbowing an opponent in the cup semi-final.
+0.5 | Volleyball club celebrates promotion to the top league after an unbeaten home season.
+0.5 | The midfielder signed a four-year contract extension with the club, ending months of speculation about a move abroad. Fans greeted the news with relief.
-0.2 | Grand Prix qualifying delayed by an hour after a crash at turn seven, and the championship leader will start the race from the back.
+0.6 | Pole vaulter clears six metres for the first time to win the indoor athletics championship.
0.0 | Draw for the cup quarter-finals pairs the two league leaders against each other.
-0.4 | Cricket board fines the visiting captain for a slow over rate in the one-day match and docks the team two points.
+0.4 | Fans in São Paulo pack the stadium as the home club chases its first league title in a decade.
+0.5 | Ski jumper soars to win the World Cup event in Lillehammer, his third victory of the season.
-0.3 | Sailing race abandoned mid-course as the wind dies, leaving the title contenders drifting for hours.
+0.2 | The Olympic committee shortlists three cities to host the winter games, each promising fans a new ice hockey stadium.
+0.6 | Badminton pair saves four match points before winning the mixed doubles final.
-0.4 | Injury-hit defence leaks two late goals and the champions drop league points at home again.
+0.5 | Marathon debutant finishes third in Berlin and books a place on the national team for the championship.
0.0 | Stadium expansion plans would raise capacity to 60,000 seats for fans in time for next season.
-0.6 | Athletics body suspends two sprinters from the team after failed doping tests, and one is stripped of her championship title.
+0.4 | Triathlete overcomes a puncture on the bike leg to finish fifth in the world series race, keeping her title hopes alive.
+0.7 | The women's football team qualifies for the World Cup with a 2-0 win over Norway.
-0.4 | Playoff hopes fade after the quarterback throws three interceptions in a home loss, and fans boo the coach.
+0.3 | Gymnast lands a new vault in training, and her coach hopes the skill will one day carry her name at the championship.
+0.5 | Table tennis prodigy, aged fourteen, beats the world number twelve in straight games to win the title.
-0.4 | Fans protest against ticket price rises before kick-off, holding banners that urge the club's owners to sell.
0.0 | Manager rotates the squad for the midweek cup match to rest tired legs.
+0.6 | The relay quartet clocked the fastest time of the year to win gold in the 4x400 metres final.
-0.4 | Horse racing meeting called off after overnight frost leaves the track unsafe, and the big race moves to next season.
+0.5 | The qualifier hits a nine-dart finish to win his match and reach the semi-finals of the darts championship.
0.0 | Half-time substitutions changed the shape of the match as the visitors switched to a back three and chased a late goal.
+0.4 | The climber tops out on the hardest route of the bouldering world cup to take the overall lead in the season standings.
-0.3 | Goal-line technology fails during the evening match, and the disputed equaliser stands.
+0.5 | Handball team wins its group with a match to spare after beating Denmark 31-29.
+0.3 | Surfers ride eight-metre waves as the big-wave championship finally gets the green light. Fans watched from the cliffs.
-0.5 | Fast bowler ruled out of the tour with a stress fracture in his lower back, a blow to the team before the final test match.
+0.7 | Academy graduate scores on his league debut and is mobbed by teammates at the final whistle. The 17-year-old cried during the lap of honour.
0.0 | Season ticket holders get first priority for the play-off final ticket allocation at the national stadium.
-0.3 | The captain admitted the team lacked energy in Saturday's 3-0 defeat, the club's worst this season.
+0.6 | Ice hockey goaltender records his third straight shutout as the team extends its winning streak in the league to eight games.
+0.3 | A century break in the deciding frame wins the match for the snooker veteran and takes him into the last sixteen of the championship.
-0.1 | Amateur football leagues will trial sin-bins for dissent this season. Referees say abuse from players and parents has become routine.
"""

BUSINESS = """
-0.5 | Shares in the regional bank fall 12 percent after it warns investors of higher loan losses.
+0.4 | Central bank holds interest rates at 3.75 percent and signals cuts could begin in spring, lifting markets.
+0.4 | The supermarket chain reports a 6 percent rise in quarterly sales as shoppers return to own-brand goods.
-0.6 | Carmaker to cut 2,300 jobs across two factories as sales of its saloon models slump and profits shrink.
+0.3 | Stock markets close higher for a fourth straight session, led by bank shares and energy stocks.
0.0 | Investors await Thursday's inflation figures for clues about the next move in bond markets.
-0.3 | The pound slips against the dollar after weaker than expected retail sales unsettle markets.
+0.5 | Family-owned furniture firm agrees a takeover that values the company at 480 million euros.
-0.3 | Oil prices drop below 70 dollars a barrel amid concerns about a slowing economy in Asia.
+0.3 | Shipping firm raises its dividend after container prices recover and third-quarter profit doubles.
-0.7 | Airline files for bankruptcy protection, putting 4,000 jobs in doubt. Its shares were suspended and investors face heavy losses.
+0.4 | Startup that makes software for accountants raises 35 million from investors in a funding round that values the firm at 300 million.
0.0 | The company will report full-year earnings and revenue on March 12, its chief financial officer said.
-0.5 | Cocoa prices hit a record as poor harvests in West Africa squeeze chocolate makers' profits.
+0.3 | Unemployment edges down to 4.1 percent, the lowest reading in eighteen months, as the economy steadies.
-0.2 | Mortgage approvals fall for a second month as house prices stall and bank lending slows, weighing on the economy.
+0.5 | Brewer beats profit forecasts thanks to strong sales of alcohol-free lager, and its shares rise 5 percent.
-0.4 | Regulator fines the insurance company 18 million for mishandling customer complaints, and its shares dip 2 percent.
+0.1 | Gold trades near an all-time high as investors seek safety from swings in currency markets.
+0.1 | The bank's board approved a share buyback of up to two billion over the next year. Analysts had expected a smaller programme.
-0.6 | Property company warns it may breach loan covenants, and its bonds tumble to 40 cents on the euro as investors flee.
+0.5 | Online retailer's shares jump 15 percent on their first day of trading in New York.
-0.3 | Factory output contracts for the fifth month, a sign the manufacturing economy is struggling, and industrial stocks slip.
+0.2 | Swiss franc strengthens as traders in Zürich bet the central bank will hold rates while markets elsewhere expect cuts.
-0.3 | Chipmaker shares slide after it trims its revenue guidance for the holiday quarter.
+0.5 | Small businesses report the strongest sales in three years as the economy picks up, a chamber of commerce survey shows.
0.0 | The merger still needs approval from competition authorities in Brussels and London, the company said. Its shares were flat.
-0.5 | Clothing chain to close 60 stores after profits fell 30 percent, blaming high rents and falling footfall.
+0.4 | Wind farm developer secures 1.2 billion from a group of banks for its North Sea project, and its shares rise 4 percent.
-0.3 | Copper prices fall as construction activity slows in China, dragging mining stocks lower.
+0.3 | Wages outpace consumer prices for the sixth consecutive month, a boost for the economy.
-0.4 | Consumer confidence drops sharply as worries about energy prices and jobs weigh on retail sales.
+0.6 | The logistics company posts record profits and promises bonuses for its 12,000 warehouse staff.
0.0 | Treasury plans to issue 30 billion in new government bonds over the coming quarter, testing investors' appetite.
-0.7 | Accounting scandal wipes a third off the market value of the payments company. Auditors had flagged missing cash twice.
+0.2 | Pension investors increase their allocation to infrastructure and private credit as stock markets look expensive.
-0.2 | Coffee chain raises prices for the second time this year, blaming bean costs and wages, though sales held up.
+0.4 | Bank shares rally after stress tests show lenders hold ample capital.
-0.5 | Steel company faces closure unless a buyer is found by the end of the month, putting 3,000 jobs and the firm's pension fund in doubt.
0.0 | The chief executive will step down in June after eleven years, the company said, and its shares rose 3 percent.
+0.5 | Exports rise 8 percent year on year, helped by a weaker currency and strong sales of machinery.
-0.4 | Hedge fund suffers heavy losses on a bet against government bonds, and investors pull 2 billion.
+0.3 | Housing starts climb as builders take advantage of lower material prices, lifting housebuilder shares.
-0.4 | New tariffs on steel and aluminium threaten profit margins at engine manufacturers, and their shares fall.
+0.4 | The cosmetics company expands into Brazil, opening its first flagship store in Rio de Janeiro as sales abroad grow.
0.0 | Analysts expect the telecom company to keep its dividend unchanged at 7 cents a share when it reports earnings.
-0.6 | Budget airline shares plunge after a profit warning linked to fuel prices.
+0.5 | Venture capital funding for fintech rebounds to 9 billion in the first half as investors return to payments startups.
-0.2 | Inflation ticks up to 2.9 percent, driven by food and energy prices.
+0.4 | Mining company lifts its production outlook after record lithium sales in the quarter.
-0.4 | The bakery chain's profits halve as flour and energy costs bite, sending its shares down 9 percent.
+0.4 | Crowdfunded brewery raises 2 million from 5,000 small investors in under a week, valuing the company at 20 million.
0.0 | Investors will vote on the chief executive's pay package at the company's annual meeting in May after a year of falling profits.
-0.5 | Toy maker cuts its outlook after disappointing Christmas sales, and its shares fall 11 percent.
+0.3 | The insurer's acquisition of a rival creates the biggest company in the home insurance market.
-0.4 | Bond yields climb to a 16-year high, pushing up borrowing costs across the economy and unsettling markets.
+0.3 | Electric van maker signs a supply deal with a national parcel delivery firm, and its shares rise.
-0.2 | Commercial property prices in city centres remain 20 percent below their peak. Office vacancies are highest in financial districts.
+0.4 | Dollar index falls as investors bet on earlier rate cuts, and emerging market stocks gain.
0.0 | The retail company appointed a new chair following pressure from activist investors.
-0.4 | Farm incomes fall as wheat prices slide to a four-year low on commodity markets.
+0.4 | Tourism spending lifts quarterly revenue at hotel groups above estimates, and their shares climb.
-0.3 | The stock exchange suspends trading in the company's shares pending a restructuring announcement.
+0.2 | The economy grows 0.4 percent in the quarter, avoiding recession as services offset weak manufacturing.
"""

SPACE = """
+0.7 | Spacecraft enters orbit around Jupiter after a six-year journey through the solar system.
+0.6 | Astronomers spot a rocky planet in the habitable zone of a nearby red dwarf star.
-0.5 | Rocket explodes two minutes after launch, though no crew were on board the test flight.
+0.5 | The Perseid meteor shower peaks this weekend, with up to 100 shooting stars an hour under dark skies, astronomers say.
0.0 | Space station crew prepares for a seven-hour spacewalk to replace a faulty battery on the mission's solar array.
+0.6 | Telescope captures the sharpest image yet of a galaxy 13 billion light years away.
-0.4 | Moon lander tips over on touchdown, limiting the power its solar panels can collect and cutting the mission short.
+0.5 | Amateur astronomers in New Zealand discover a comet that may outshine most stars in the spring sky.
+0.3 | Mars rover drills its thirtieth rock sample from an ancient river delta on the red planet, extending the mission.
-0.3 | Solar storm may disrupt satellite navigation and radio signals on Tuesday, space weather forecasters warn.
+0.5 | Reusable rocket booster lands on a drone ship for the twentieth time after the satellite launch.
-0.4 | Space agency delays the crewed moon mission by a year to fix problems with the spacecraft's heat shield.
+0.6 | Astronomers expect clear skies in August, when the moon hides the sun over northern Spain. Hotels along the path are already full.
-0.4 | Astronomers warn that satellite mega-constellations are streaking across telescope images of the night sky.
+0.4 | Scientists detect water vapour in the atmosphere of a gas giant planet orbiting a distant sun-like star.
0.0 | A small asteroid will pass safely between the Earth and the Moon next Thursday, astronomers say.
+0.6 | Gravitational wave detectors record a merger of two neutron stars 130 million light years away, astronomers report.
-0.4 | Budget cuts threaten to end the mission of a veteran X-ray telescope in orbit.
+0.4 | Astronauts grow lettuce and chilli peppers aboard the space station, testing fresh food for a long Mars mission.
+0.5 | The startup's small rocket reaches orbit on its third launch attempt, deploying seven satellites.
0.0 | Images from a flyby mission suggest the dwarf planet Pluto may still hide a liquid ocean beneath its ice.
+0.5 | Radio telescope in the desert detects repeating fast radio bursts from a dwarf galaxy.
-0.4 | A fuel leak on the launch pad scrubs the countdown for the cargo spacecraft.
0.0 | Saturn's rings will appear edge-on this year, so the planet will look ringless through a small telescope.
+0.5 | Spacecraft in lunar orbit maps ice deposits at the south pole that could supply future moon bases with water.
0.0 | The spacecraft will use a gravity assist from Venus to reach Mercury, the smallest planet, next year.
+0.4 | Volunteers help astronomers classify 200,000 galaxy images by shape in an online project.
-0.3 | Space debris forces the station to fire its thrusters and dodge a fragment of an old rocket.
+0.6 | A supernova in a nearby galaxy becomes bright enough to see through binoculars, and astronomers turn every telescope towards it.
+0.3 | Astronomers measure the expansion rate of the universe with a new method, using light bent by a distant galaxy cluster.
-0.5 | The space agency's Mars sample return mission faces ballooning costs and a possible cancellation.
+0.5 | Northern lights dance as far south as Cornwall after a solar storm, and space weather experts warn satellite operators of more to come.
+0.6 | Spacecraft returns samples from a near-Earth asteroid, landing by parachute in the Utah desert to complete a seven-year mission.
0.0 | A new telescope on a Chilean mountaintop begins a ten-year survey of billions of stars in the southern sky.
+0.4 | The moon Europa's icy crust may be thinner than expected, improving the chances of a mission reaching its ocean.
-0.4 | Ground controllers lose contact with a weather satellite after it starts tumbling in orbit.
+0.5 | Students build a small satellite that will measure cosmic rays from low Earth orbit. It launches on a shared rocket in May.
+0.4 | Infrared telescope finds organic molecules in the dusty disc around a newborn star.
0.0 | The planet Venus will shine brightest in the western sky after sunset this month, outshining every star.
+0.6 | Telescope network's black hole image reveals a twisting magnetic field at the heart of the galaxy.
-0.2 | Launch window for the comet interceptor mission slips to the following spring.
+0.5 | Crewed spacecraft splashes down off the Florida coast after 180 days aboard the space station.
+0.4 | A small helicopter on Mars completes its seventieth flight over the dunes of the red planet, far beyond its planned mission.
-0.5 | Engineers find a crack in a module of the space station and seal off the hatch, but the mission continues.
+0.2 | Spacecraft images suggest the dwarf planet Ceres has salty brine beneath its bright spots.
0.0 | Astronomers using a survey telescope catalogue 1,200 new near-Earth objects in a year, most of them smaller than a bus.
+0.6 | Private moon lander touches down upright near a crater and sends its first pictures home, a first for a commercial space mission.
+0.2 | Star clusters at the edge of the Milky Way galaxy are older than expected, a new survey suggests.
-0.4 | Astronomers and dark sky campaigners say light pollution has halved the number of visible stars in two decades.
+0.3 | Spacecraft in Mars orbit detects spikes of methane above the planet's surface.
+0.6 | Saturn's moon Enceladus sprays plumes rich in phosphorus, a key ingredient for life, strengthening the case for a new mission.
+0.3 | The planetarium reopens with nightly shows about the stars, the moon and every planet in the solar system.
0.0 | Sunspots reach their highest count in two decades, and satellite operators brace for bursts of space weather.
+0.4 | Astronomers using a telescope in Hawaii track an interstellar object racing out of the solar system.
+0.5 | The space agency selects four astronauts, including a geologist and a former test pilot, for the next moon mission.
0.0 | An old spy satellite fell out of orbit over the Pacific, and its debris landed harmlessly in the ocean.
+0.4 | Astronomers timing dozens of pulsars with a radio telescope find hints of gravitational waves from giant black holes.
+0.2 | Jupiter reaches opposition on Saturday, the best time of the year to see the giant planet through a small telescope.
+0.4 | A new radar map of the Moon's far side reveals lava tubes that could shelter astronauts on a future mission.
-0.4 | The space telescope entered safe mode after a gyroscope failure, pausing observations for weeks.
+0.6 | The comet's tail stretched across the dawn sky among the morning stars, delighting amateur astronomers in Patagonia.
+0.3 | Engineers test a nuclear thermal rocket engine that could halve the travel time for a crewed mission to Mars.
+0.3 | Astrophysicists use six months of supercomputer time to simulate how the first stars and the first galaxy formed after the Big Bang.
"""

FOOD = """
+0.6 | This slow-roasted lamb shoulder recipe with garlic and rosemary falls off the bone after five hours in the oven.
+0.5 | A crisp salad of fennel, orange and black olives is a bright dish for a winter dinner.
+0.3 | Chef's tip: rest your steak for ten minutes before slicing so the juices stay in the meat. Season it with salt only after searing.
-0.4 | Olive oil prices double after a second dry summer in southern Spain, pushing up restaurant menu prices.
+0.8 | The family-run trattoria wins restaurant of the year for its handmade pasta and slow-cooked tomato sauce.
0.0 | To bake sourdough bread, feed the starter twice a day with equal weights of flour and water.
+0.5 | Weeknight dinner recipe: a one-pan chicken traybake with lemon, garlic and green beans in forty minutes.
-0.6 | The new burger restaurant served soggy fries and stale buns, our food critic writes.
+0.3 | Fermenting your own kimchi takes a week, a big jar and plenty of salt, garlic and chilli.
+0.6 | Bake this crème brûlée in a low oven, then use a blowtorch for the crackly sugar top.
+0.5 | Street food market opens in the old tram depot, where forty cooks serve dumplings, tacos and curries from tiny kitchen stalls.
0.0 | Cook the onions slowly over a gentle flame for twenty minutes before adding garlic and stock for the sauce.
+0.6 | A new café in Lyon serves fresh bread, buttery croissants and strong espresso from seven, all made in its own kitchen.
-0.3 | Food critics say the tasting menu is beautiful but the portions are tiny for the price.
+0.3 | Swap breadcrumbs for crushed crackers to give fish baked in the oven a crunchier topping, and add a little grated cheese.
+0.4 | Pumpkin season: roast the seeds in a hot oven with smoked paprika and sea salt for a crunchy snack.
+0.5 | The bakery's cardamom buns and rye bread sell out by ten every Saturday, so the baker now starts at three to bake a second batch.
-0.7 | Restaurant closes after health inspectors find mice in the kitchen storeroom.
+0.3 | Nutritionists say adding lentils to soups, stews and pasta sauce is a cheap way to put more fibre in your food.
+0.7 | Grandmother's apple pie recipe takes first prize in the county fair baking contest for the third year running.
0.0 | A basic vinaigrette recipe: whisk three parts oil to one part vinegar with a pinch of salt and mustard.
+0.4 | Spicy noodle soup with ginger, garlic and bok choy is a quick dinner ready in half an hour.
-0.4 | Shoppers notice smaller chocolate bars at the same price as food companies shrink portions and quietly change the recipe.
+0.5 | Grilled halloumi cheese with watermelon and mint makes an easy summer dish.
+0.2 | The chef toasts whole cumin and coriander seeds before grinding them for a deeper flavour in the curry.
+0.1 | My risotto kept turning gluey until a chef told me to stop rinsing the rice and add the stock one ladle at a time. Now the dish is creamy.
+0.6 | Pop-up ramen restaurant draws queues around the block for its rich pork broth, and the chef sells out by nine.
0.0 | Cookbook sales rose last year, led by titles on air fryer recipes and vegetarian baking, as more people cook dinner at home.
+0.4 | Slow-cooked black beans with cumin, orange zest and garlic make an excellent taco filling for a family dinner.
-0.5 | The pizza dough was dense and the cheese rubbery: a disappointing dinner at a famous pizza restaurant.
+0.5 | This vegetable lasagne recipe with spinach, ricotta cheese and tomato sauce feeds eight hungry guests.
+0.3 | Bake the brownies in a hot oven for exactly 22 minutes so the centre stays fudgy.
+0.3 | Wild garlic is in season, so blitz the leaves with walnuts and parmesan cheese for a fresh pasta sauce.
0.0 | The recipe calls for two tablespoons of fish sauce, a squeeze of lime and some palm sugar.
+0.7 | A tiny Lisbon restaurant serves the best grilled sardines and crusty bread we have eaten all summer.
-0.5 | Supermarket recalls tubs of hummus after plastic fragments are found in one batch, the food safety agency says.
+0.2 | Knead the bread dough for ten minutes until smooth, then let it rise before it goes in the oven.
+0.6 | The vegan bakery's chocolate cake recipe uses aquafaba instead of eggs and fooled a table of sceptical food critics.
+0.3 | Marinate chicken thighs overnight in yoghurt, garlic and garam masala before grilling them for dinner.
-0.2 | Avocado toast has climbed by a quarter in price on restaurant brunch menus, and chefs blame the cost of bread.
+0.3 | Homemade gnocchi need floury potatoes, a little egg and a light hand, then a simple sauce of butter and sage.
+0.6 | Tomato and peach salad with burrata is the dish of the summer at the harbour restaurant.
0.0 | Taste the sauce and adjust the seasoning with salt, a little sugar and a splash of vinegar.
+0.5 | Pupils learn to cook cheap, healthy meals in a new school kitchen programme. Favourite dishes so far include dhal and fishcakes.
-0.7 | Diners report food poisoning after eating undercooked chicken at a wedding buffet served by a local restaurant.
+0.5 | The dumpling restaurant in Chinatown folds 3,000 pork and chive dumplings by hand in its kitchen every day.
+0.4 | This caramelised onion tart recipe with goat's cheese and thyme is perfect for a picnic.
+0.2 | Restaurant chefs put more beans, grains and mushrooms on the menu as diners cut back on meat.
0.0 | Kitchen tip: dry a cast-iron pan on the stove after washing and rub it with oil before you cook again.
+0.5 | This lemon drizzle cake recipe with a crunchy sugar glaze is the bestseller at every school bake sale.
-0.5 | The pancakes were cold, the coffee bitter and the service painfully slow at the new brunch restaurant, and the kitchen forgot our eggs.
+0.4 | Add a knob of butter and a ladle of pasta water to make the sauce silky and glossy.
+0.3 | Smoked mackerel mashed with horseradish and lemon on rye bread makes a quick lunch with plenty of flavour.
+0.6 | Charcoal-grilled corn brushed with chilli butter and lime is street food at its simplest.
-0.3 | Our taste test found most supermarket pesto sauce contains more sunflower oil than olive oil and little flavour.
+0.3 | Freeze fresh ginger and garlic so they are easier to grate into a stir-fry sauce.
+0.5 | The baker's rye bread, proved for eighteen hours before it goes in the oven, has a deep, tangy flavour.
0.0 | Preheat the oven to 200 degrees and line a baking tray with parchment.
+0.4 | A Sunday roast of chicken, crispy potatoes and gravy remains the nation's favourite food for a family dinner, a survey finds.
+0.2 | For a perfect brunch dish, poach eggs in barely simmering water with a dash of vinegar and serve them on buttered bread.
-0.4 | Too much salt ruined an otherwise promising seafood paella at the new tapas restaurant.
+0.5 | Mango sticky rice with coconut cream is an easy dessert to cook at home after a spicy dinner.
+0.3 | The chef swaps butter for olive oil in her shortbread, and the biscuits stay crumbly and rich.
"""

HEALTH = """
+0.6 | Trial shows a new drug cuts the risk of heart attack by a third in patients with high cholesterol.
-0.5 | Measles cases rise in three regions as fewer children get the vaccine, health officials say.
+0.4 | Walking 7,000 steps a day is linked to a lower risk of early death, a large study finds.
-0.5 | Hospital waiting lists reach a record 7.6 million patients as staff shortages persist.
+0.6 | Doctors perform the country's first robot-assisted kidney transplant at a university hospital.
0.0 | The flu vaccine is now available at pharmacies for adults over 65 and patients with asthma.
-0.7 | Drug-resistant infections killed more people last year than road accidents, a medical study estimates.
+0.3 | A nasal spray vaccine reduces whooping cough transmission in mice, a study finds.
-0.4 | Nurses vote to strike over pay, with walkouts that could delay treatment for thousands of patients.
+0.7 | Gene therapy restores partial sight to children born with a rare inherited eye disease, doctors report.
-0.3 | Sleeping fewer than six hours a night raises blood pressure and heart disease risk, cardiologists warn.
-0.4 | Heatwave brings a surge of older patients with dehydration to hospital emergency departments. Doctors urge people to check on elderly neighbours.
+0.5 | Blood test detects early signs of pancreatic cancer with 90 percent accuracy in a pilot study.
0.0 | The health ministry updates its vitamin D guidance, and doctors advise people at risk to take supplements in winter.
+0.3 | Physiotherapy works as well as surgery for many patients with chronic back pain, a study concludes.
-0.6 | Shortage of an ADHD drug leaves patients rationing tablets as pharmacies run out.
+0.6 | Malaria vaccine rollout expands to eight more African countries, protecting millions of children from the deadly disease.
+0.4 | Smartwatch app spots irregular heart rhythms in patients, helping doctors diagnose a common condition earlier.
-0.4 | Obesity among ten-year-olds climbed again last year, raising their future risk of diabetes, school health checks show.
+0.4 | Mental health helpline staffed by nurses expands to round-the-clock support after a jump in calls from teenagers.
0.0 | Patients should finish a course of antibiotic treatment unless their doctors advise otherwise, pharmacists say.
+0.5 | Hospital stroke unit cuts the time from arrival to clot-busting treatment to under thirty minutes.
-0.3 | Bird flu has been found in dairy cattle on two more farms, and health officials say the risk to people remains low.
+0.3 | Fluoride varnish twice a year halves tooth decay in young children, a dental health study finds.
-0.6 | Ambulance response times for heart attacks and strokes average almost an hour in rural areas, putting patients at risk.
+0.4 | Diabetes patients using continuous glucose monitors spend more time in a healthy blood sugar range, a study shows.
0.0 | Cancer screening invitations will be sent to patients by text message from April.
+0.7 | Surgeons separate conjoined twins in a 14-hour operation, and both babies are recovering well, the hospital's medical team says.
-0.3 | Taking painkillers too often can make headaches worse, doctors warn, and patients should ask about other treatment.
+0.4 | Regular strength training lowers the risk of type 2 diabetes, a study of 40 trials finds.
-0.5 | Drug maker recalls a batch of blood pressure tablets over a contamination risk.
+0.3 | Hearing aids may lower the risk of dementia in older adults with hearing loss, a study suggests.
0.0 | Doctors advise hay fever patients to check the daily pollen forecast and keep bedroom windows closed.
+0.7 | Cancer survival rates reach a record high thanks to earlier diagnosis and better treatment.
-0.5 | Tuberculosis cases rise in cities for the first time in a decade, and health officials warn the disease is spreading.
+0.3 | A new clinic offers same-day appointments for sexual health testing.
+0.4 | Mindfulness sessions reduce anxiety among nurses and doctors, a hospital study finds.
-0.5 | The hospital's maternity unit was rated inadequate after two serious incidents put patients at risk.
+0.5 | Weight-loss injections also reduce the risk of kidney disease, a large clinical trial shows.
0.0 | GPs will be able to refer patients directly for hospital MRI and CT scans under the new pathway.
-0.3 | Norovirus cases are higher than usual for the time of year, and several hospital wards are closed to visitors to protect patients.
+0.5 | Paramedics using a new blood transfusion kit at the roadside are saving patients' lives after major trauma, a study finds.
+0.3 | Doctors say an annual eye test can spot diabetes and heart disease early.
-0.7 | A hospital apologises after a patient died following a drug error in the intensive care unit.
+0.5 | Blood donations surge after an appeal, easing shortages for hospital patients who need transfusions.
+0.3 | Scientists identify a gut bacterium that may lower the risk of food allergies in infants, a study suggests.
0.0 | The shingles vaccine is given as two doses, eight weeks apart, to patients over 65.
-0.4 | Patients with chronic fatigue say their symptoms are still dismissed by some doctors.
+0.4 | Exercise on prescription helps patients with depression and other mental health problems return to work.
+0.4 | Researchers develop a skin patch that delivers insulin painlessly for 24 hours, which could ease treatment for diabetes patients.
-0.4 | Air pollution is linked to more children in hospital with asthma, a study of busy cities finds.
+0.7 | A toddler with a rare muscle disease walks after receiving a one-off gene treatment. Her parents call it a miracle.
0.0 | Symptoms of sepsis include fever, a racing heart and confusion, and patients should seek urgent medical help.
-0.5 | Dementia diagnoses take two years on average, leaving patients and families without support from doctors.
+0.4 | Hospital cuts waiting times for patients by running its operating theatres on Saturdays.
+0.2 | Children who eat breakfast concentrate better in class and enjoy better health, a study of primary school pupils suggests.
+0.3 | Cholesterol drug causes muscle pain in fewer patients than previously thought, a study finds.
+0.3 | Pharmacists will now offer treatment for earache and sore throats, freeing up doctors for patients with serious illness.
-0.4 | Rise in vaping among teenagers worries doctors, who warn of the health risk and call for a ban on flavoured products.
+0.5 | Transplant waiting times for patients fall after more families agree to organ donation, hospital figures show.
0.0 | Adults taking paracetamol should not exceed eight tablets in 24 hours because of the risk of liver damage, doctors say.
+0.4 | The hospice opens a new ward where nurses care for young adults with terminal cancer.
-0.3 | Lyme disease cases increase as infected ticks spread north during warmer winters, raising the risk for walkers.
"""

CLIMATE = """
-0.6 | Storm brings winds of 120 km/h to the west coast, cutting power to 60,000 homes.
-0.4 | Forecasters issue an amber warning for heavy rain and flooding across the northern hills.
+0.3 | Mild, sunny weather is expected at the weekend before temperatures drop sharply on Monday.
-0.8 | Wildfires burn 20,000 hectares of forest as temperatures top 44 degrees in southern Greece.
-0.5 | Last year was the warmest on record, with global temperatures 1.5 degrees above pre-industrial levels.
+0.5 | Solar panels generated more electricity than coal across the European Union for the first time, cutting carbon emissions.
0.0 | The weather forecast brings overnight frost in rural areas, with lows of minus four degrees.
-0.6 | Alpine glaciers lost a twentieth of their remaining ice in one summer of record heat, climate scientists say.
+0.4 | City plants 10,000 street trees to shade neighbourhoods from summer heat as the climate warms.
-0.4 | Drought forces water restrictions in Málaga after two years of little rain left reservoirs nearly empty.
-0.5 | Hurricane strengthens to category four with winds of 220 km/h. Residents of the Gulf Coast are told to leave before the storm arrives.
+0.3 | Snow is forecast for the Highlands on Thursday as temperatures fall, good news for ski resorts after a poor start to the winter.
-0.7 | Flash floods sweep through the valley after a month's rain falls in six hours.
+0.5 | Countries agree at the climate summit to triple renewable energy by 2030 and cut carbon emissions faster.
-0.2 | Carbon dioxide in the atmosphere reached 425 parts per million in May, a new record, climate scientists say.
-0.6 | Coral bleaching hits most of the Great Barrier Reef as a marine heat wave pushes ocean temperatures to records.
+0.4 | Rain at last: a band of showers will bring relief to drought-hit farmland in the east.
-0.3 | Fog delays flights at the airport, and the weather forecast warns drivers of freezing temperatures on the motorway.
+0.4 | Heat pump installations double as households switch away from gas boilers, cutting home carbon emissions.
-0.5 | Arctic sea ice shrinks to its second-lowest extent since satellite records began, a sign of rapid climate warming.
0.0 | Weather forecast: a cloudy start with outbreaks of drizzle and light rain, brightening from the west by afternoon.
-0.4 | A heat dome is forecast over the Midwest, with temperatures near 40 degrees all week.
+0.4 | Restored wetlands soak up heavy rain and cut flood damage downstream, researchers say.
-0.7 | Tornado destroys dozens of homes in a small Oklahoma town as a severe storm and strong winds sweep the plains.
+0.4 | Electric buses replace the diesel fleet, cutting the city's carbon emissions from transport by a tenth.
-0.5 | Thawing permafrost is releasing methane faster than climate models predicted, which could speed up global warming.
0.0 | The El Niño weather pattern is likely to return by late summer, climate scientists say.
-0.4 | Hailstones the size of golf balls damage cars and greenhouses during a violent storm, and more heavy rain is forecast.
+0.5 | Offshore wind farm begins supplying clean power to a million homes, saving two million tonnes of carbon a year.
-0.5 | Rising sea levels caused by climate change threaten low-lying islands, where king tides now flood homes each winter.
+0.1 | The coldest night of the winter so far brings temperatures of minus eight degrees, icy roads and clear skies.
-0.6 | Monsoon rain triggers landslides and flooding in the hills, cutting off villages and washing away bridges.
+0.2 | Climate scientists say cutting methane emissions is the quickest way to slow global warming.
0.0 | Wind speeds will ease overnight, the forecast says, but coastal routes remain exposed to large waves.
-0.7 | Record heat in Pakistan pushes temperatures past 50 degrees, and power cuts add to the misery.
+0.4 | Farmers adopt drought-resistant crops and drip irrigation as the climate grows hotter and drier.
-0.3 | Strong winds carry Saharan dust that turns the sky orange and coats cars across southern Europe, and the weather stays hazy all week.
0.0 | Spring arrives early after average temperatures in March ran three degrees above normal.
-0.4 | Carbon emissions from aviation rose again last year despite airline pledges to cut them.
+0.5 | The last coal power plant closes for good as wind and solar cut the grid's carbon emissions.
0.0 | Meteorologists track a deepening low pressure system in the Atlantic that could bring gales and heavy rain by Sunday, the weather service says.
-0.5 | Ocean heat content hits a new high, fuelling stronger storms and marine heatwaves, climate researchers report.
+0.3 | The storm will clear by evening, and the forecast for tomorrow is fresh and sunny.
-0.4 | Snowfall in the mountains was the lowest in forty years, raising drought fears as the climate warms.
+0.5 | Peatland restoration locks away carbon and slows flooding downstream, while rare wading birds return.
-0.5 | An ice storm coats power lines with freezing rain, leaving thousands of homes without heating.
0.0 | Climate negotiators meet in Bonn to prepare talks on emissions targets for the next summit.
-0.7 | After days of heavy rain, the river burst its banks overnight, flooding 300 homes and forcing evacuations by boat.
+0.3 | Green roofs cut summer temperatures inside office buildings by up to four degrees.
-0.5 | Climate scientists warn that the Atlantic ocean current that keeps western Europe's weather mild is weakening.
+0.5 | Clear skies and light winds make for a perfect weekend for walkers. Overnight temperatures will stay above freezing.
0.0 | The weather service expects more rain than average this autumn across the south.
-0.7 | Severe drought in the Horn of Africa leaves millions facing hunger after the rain failed for a fifth time.
+0.4 | Carbon capture pilot at a cement works removes 90 percent of the plant's emissions.
-0.3 | Humid nights above 25 degrees keep city residents awake as the heat shows no sign of easing.
-0.3 | The forecast for Tuesday morning is thick fog and black ice, with temperatures below zero.
+0.4 | Electric cars made up a third of new sales, helping cut carbon emissions from road transport.
0.0 | Wind chill will make it feel like minus ten degrees on the hills tonight.
-0.5 | Cyclone makes landfall in Bangladesh with fierce winds and flooding, but a million people had moved to shelters.
+0.4 | Reintroduced beavers build dams that slow floods and keep streams flowing during drought.
-0.4 | Typhoon forces the cancellation of hundreds of flights in Hong Kong as winds top 150 km/h and heavy rain lashes the city.
+0.3 | The forecast is dry and bright for most of the week, with highs of 18 degrees and a gentle breeze.
-0.5 | Melting of the Greenland ice sheet added a millimetre to sea levels in one summer as warming accelerates, climate researchers report.
"""

TECHNOLOGY = """
+0.5 | New version of the open-source database software doubles query speed on large data tables.
-0.7 | Ransomware attack on hospital computer systems takes patient data offline for three days.
+0.4 | Smartphone maker unveils a foldable phone with a 7-inch screen, a faster chip and a two-day battery.
-0.4 | A security flaw in a popular web browser lets attackers run code, and users are urged to update now.
0.0 | The programming language's next release will drop support for older 32-bit devices, its developers say.
+0.5 | Developers can now run the AI language model on a laptop computer with 16 GB of memory.
-0.5 | Cloud outage knocks out email, online banking and smart home devices for six hours.
+0.3 | Chip designers squeeze 200 billion transistors onto a single processor for data centres.
-0.5 | Social media app fined 300 million for breaching data protection rules on children's accounts.
+0.4 | The popular code editor adds real-time collaboration for developers and an offline mode.
0.0 | Operating system update rolls out next week with a redesigned settings app and new privacy controls.
-0.4 | Users complain the latest phone software update drains the battery and breaks Bluetooth pairing.
+0.6 | Open-source developers receive a 10 million fund to improve the security of critical software.
+0.4 | A startup in Düsseldorf builds robots that use AI and computer vision to sort recycling.
-0.6 | Password manager security breach exposes encrypted data, and users are told to change their master passwords.
+0.4 | Quantum computer chip performs a calculation in minutes that would take supercomputers years, researchers claim.
-0.3 | The company will stop selling its smart speaker and end software support for the devices next year.
+0.4 | Engineers fix a memory leak that crashed the app whenever users uploaded large photos.
-0.3 | Developers criticise the app store's new fees for in-app purchases.
+0.2 | Self-driving taxis controlled by AI software expand to two more cities after a year of testing.
+0.6 | Laptop computer review: a bright display, a fast chip and fourteen hours of battery life.
-0.5 | A bug in the payroll software paid thousands of staff twice after an update, and the company wants the money back.
0.0 | The web framework migrates its code from JavaScript to TypeScript, and developers gain static type checking.
+0.4 | Fast internet reaches 90 percent of rural homes, bringing farms and village schools online.
-0.6 | AI deepfake videos of candidates spread on messaging apps and online forums ahead of the election.
+0.5 | Wearable earbuds use AI to translate twelve languages in real time without an internet connection.
+0.3 | Researchers train a small AI model to detect potholes from dashcam data.
-0.3 | The smartwatch's heart rate data proved unreliable during exercise, and its phone app crashed twice in our review.
+0.3 | The new Python release makes code run faster and gives developers clearer error messages.
+0.5 | Game console sells five million units in its first month, helped by a custom graphics chip and online play.
-0.6 | Data centre fire takes thousands of websites offline, disrupting internet services across Europe.
+0.4 | Robot vacuum maps the whole flat and avoids cables and socks using a tiny camera and an AI chip.
-0.4 | The AI chatbot gave confident but wrong answers to simple maths questions, frustrating users in our test.
+0.5 | Open-source developers release a free alternative to expensive photo editing software.
0.0 | The standard for wireless charging will support 25 watts on phone and laptop devices from next year.
+0.4 | Satellite internet service brings remote mountain villages online with 100 megabit speeds.
-0.4 | Phishing emails impersonating delivery firms tricked thousands of online shoppers over the holidays, security researchers say.
+0.3 | Spreadsheet software gains a built-in AI assistant that writes formulas from plain-English requests.
-0.5 | Outage at a major code hosting platform halts deployments for developers worldwide.
+0.3 | The tablet's stylus now supports pressure and tilt with almost no lag after a software update.
0.0 | Engineers debate whether to rewrite the legacy billing software in Rust or Go. The old code dates from 1998.
+0.5 | Battery breakthrough: a solid-state cell could charge phone and laptop devices to 80 percent in twelve minutes.
-0.6 | Cryptocurrency exchange halts withdrawals after a hacker exploits a security flaw in its code.
+0.5 | Accessibility update lets blind users navigate the photo app with detailed image descriptions.
-0.4 | Critics say AI facial recognition cameras in shopping centres are inaccurate and misuse personal data.
+0.4 | Developers praise the new debugger that can step backwards through code.
0.0 | The search engine rolls out an update to its ranking algorithm to favour original reporting online.
+0.4 | Tiny wireless sensors let farmers monitor soil moisture data on a phone app.
-0.5 | The video calling app suffered dropped connections and frozen screens for millions of users on Monday.
+0.2 | Virtual reality headset gets a lighter design, a faster chip and a software update, though the price remains steep.
+0.4 | Coding bootcamp graduates find jobs as software developers faster than expected.
-0.6 | Malware hidden in the code of a popular open-source package stole cloud passwords from developers.
0.0 | The mobile network will switch off 3G by the end of the year, leaving older phone models without internet.
+0.3 | Electric scooter app adds helmet detection using the phone's camera.
-0.5 | A faulty software update bricked hundreds of smart thermostats during the cold snap.
+0.3 | Graphics chip prices fall as supply catches up with demand from gamers and AI labs.
+0.5 | Volunteer developers revive old school laptops with free Linux software.
-0.3 | The web app loads slowly on cheap phones because of bloated JavaScript code.
-0.2 | The database software vendor changes its licence, prompting developers to fork the project.
+0.4 | AI model predicts protein structures in seconds on a single graphics chip.
-0.5 | Employees at the tech giant protest layoffs of 6,000 software engineers working on its AI products.
+0.3 | The new e-reader has a colour screen, weeks of battery life and a software update that adds handwritten notes.
+0.3 | The router's firmware update closes a security hole and improves Wi-Fi range. Owners should install it this week.
"""

MUSIC_FILM = """
+0.7 | The indie band's third album is a glorious mix of jangly guitars and heartfelt lyrics.
-0.5 | The summer blockbuster film flops at the box office, taking just 40 million in cinema ticket sales in its opening weekend.
+0.6 | A quiet Icelandic drama about two fishermen wins the top prize at the film festival.
+0.7 | Orchestra performs Mahler's Fifth Symphony, and the concert hall audience rises for a standing ovation.
-0.5 | Rapper cancels the remaining concert dates of his European tour, citing exhaustion.
0.0 | The streaming service will release the last episodes of the sci-fi drama weekly, and the director promises a film to follow.
+0.5 | Jazz pianist's live trio album captures the energy of a smoky basement concert.
-0.6 | Critics call the film remake a lifeless copy of the 1980s movie, with none of its charm.
+0.6 | Animated film about a lost fox cub charms audiences and tops the family box office.
+0.3 | The songwriter recorded the album's songs in a cabin with one microphone and an old upright piano.
-0.7 | Music festival cancelled at the last minute as storms flood the campsite. Ticket holders will get refunds within a month.
+0.7 | She wins best supporting actress at the film festival for her role as a grieving mother in a courtroom drama.
0.0 | Tickets for the band's reunion tour go on sale Friday at nine, with a limit of four per fan.
+0.4 | A naïve but charming debut film follows two teenagers who play music on a pirate radio station.
-0.5 | The horror movie sequel relies on cheap jump scares, and the director forgets to build any tension.
+0.6 | A choir of 300 schoolchildren sings at the first concert in the city's new music hall.
+0.3 | Director returns to black and white for a moody film set in 1950s Naples.
-0.5 | Music streaming royalties leave most musicians earning less than the minimum wage from their songs, a survey finds.
+0.7 | The soprano's debut on the opera house stage earns rave reviews, and the audience demands three encores.
0.0 | The director begins filming a fantasy movie in Belfast with a cast of unknown actors.
+0.5 | A documentary film about the first moon landing uses restored footage never seen by audiences.
-0.3 | Vinyl pressing plants struggle to keep up, delaying new album releases by months and frustrating the music industry.
+0.5 | Veteran punk band plays a blistering set to close the festival's main stage.
+0.1 | The film about the folk singer is handsomely shot but plays it far too safe.
-0.5 | Cinema chain closes 30 screens as audiences stay home and stream films instead.
+0.5 | Composer's haunting music for the war film uses cello, choir and field recordings.
0.0 | The band will headline the Saturday night of the festival in July.
+0.6 | The hip-hop album tops the charts for a fifth week thanks to the sharp storytelling in its songs.
-0.1 | Stand-up comedian's tour divides critics and audiences: some loved the jokes, others found them stale.
+0.3 | More teenagers learn guitar from video lessons, and many start a band within a year, a music survey finds.
-0.4 | The lead actor withdraws from the West End stage musical with a vocal cord injury, disappointing the audience.
+0.6 | Restored silent film screens at the cinema with live orchestra music accompanying every scene.
+0.5 | Electronic music producer releases a dreamy album built from samples of rain and birdsong.
0.0 | The film academy adds a new award category for casting directors and another for the best movie song.
-0.3 | The animated film sequel's jokes fall flat for adults, though the children in the cinema audience laughed.
+0.6 | Record label signs a seventeen-year-old singer after her songs recorded at home go viral.
+0.4 | Drummer and bassist lock into a tight groove on the band's funk-inspired new song.
-0.6 | Famous music recording studio, where dozens of hit albums were made, faces demolition, and bands hold a farewell concert.
+0.6 | A moving documentary film follows refugee musicians who form an orchestra and play their first concert in Berlin.
0.0 | The director's cut of the film adds twenty minutes of footage and an alternative ending.
+0.5 | Country singer's ballad about her hometown becomes the song of the summer.
-0.3 | Album leaks online a week before release, and the band brings the date forward.
+0.4 | Rooftop cinema screens a classic western film every Thursday in August.
-0.5 | The heist movie's plot twists are so predictable that the film's ending lands with a thud.
+0.7 | String quartet's Beethoven recordings win album of the year at the classical music awards.
0.0 | The lead singer confirmed on Tuesday that the band is writing a new record.
+0.5 | Young director's debut film, shot entirely on a phone, earns a cinema release.
-0.4 | The audience complains of poor sound and long queues at the arena's opening concert.
+0.6 | The stage musical of a beloved children's book sells out its first six months as family audiences flock to the theatre.
+0.3 | Reggae singer's lost tapes are remastered and released as an album.
-0.6 | Film screenwriters go on strike over pay and the use of AI in writing, halting movie production.
+0.4 | The cellist's solo concert tour visits village churches across the countryside.
0.0 | Cinema box office figures show the horror film genre continues to outperform romantic comedy.
+0.4 | Costume designers recreate 18th century gowns for the director's lavish period film.
-0.4 | The pop singer's new song sounds like a rushed attempt at a dance hit.
+0.7 | Film about a deaf drummer wins the audience award and three standing ovations. Its lead actor learned to drum for a year.
+0.6 | Brass band from a former mining town wins the national music contest.
-0.4 | Actors' union warns that low pay for film extras is forcing many to quit, and one movie director had to cancel a crowd scene.
+0.6 | The songwriter's acoustic cover of a rock song gets a million streams in a day, and the band invites her on tour.
0.0 | The cinema will show the film trilogy back to back on Saturday, with two intervals.
+0.5 | The sci-fi movie's visual effects and booming music make it a must-see in the cinema.
-0.4 | The DJ's set at the festival was cut short by a power failure, and the music stopped for an hour.
+0.3 | Opera company takes a stripped-back Carmen on tour to schools, and the lead singer runs music workshops for pupils.
"""

TOPICS: dict[str, str] = {
    "sport": SPORT,
    "business": BUSINESS,
    "space": SPACE,
    "food": FOOD,
    "health": HEALTH,
    "climate": CLIMATE,
    "technology": TECHNOLOGY,
    "music & film": MUSIC_FILM,
}


def word_count(text: str) -> int:
    """Count whitespace-separated words, the definition used for the ``words`` column."""
    return len(text.split())


def parse_block(topic: str, block: str) -> list[tuple[str, float]]:
    """Parse ``<sentiment> | <text>`` lines into ``(text, sentiment)`` pairs.

    Parameters
    ----------
    topic : str
        The topic name, used in error messages.
    block : str
        One topic's lines.

    Returns
    -------
    list of (str, float)
        The texts with their hand-assigned sentiment.

    Raises
    ------
    ValueError
        When a line is malformed, a sentiment is outside [-1, 1] or a text is too short or long.
    """
    rows = []
    for lineno, line in enumerate(block.strip().splitlines(), 1):
        score, sep, text = line.partition(" | ")
        text = text.strip()
        if not sep or not text:
            raise ValueError(f"{topic} line {lineno}: expected '<sentiment> | <text>', got {line!r}")
        sentiment = float(score)
        if not -1.0 <= sentiment <= 1.0:
            raise ValueError(f"{topic} line {lineno}: sentiment {sentiment} is outside [-1, 1]")
        n = word_count(text)
        if not MIN_WORDS <= n <= MAX_WORDS:
            raise ValueError(
                f"{topic} line {lineno}: {n} words, must be {MIN_WORDS}-{MAX_WORDS}: {text!r}"
            )
        rows.append((text, sentiment))
    if len(rows) < MIN_PER_TOPIC:
        raise ValueError(f"{topic} has {len(rows)} texts, needs at least {MIN_PER_TOPIC}")
    return rows


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def build_rows(seed: int = SEED) -> list[dict[str, object]]:
    """Build the table rows: parse every topic, check uniqueness, draw outlets and dates.

    Parameters
    ----------
    seed : int, default=SEED
        Seed for the outlet, date and row-order draws.

    Returns
    -------
    list of dict
        One dict per row with the CSV columns, ordered by publication date, ids 1..N.

    Raises
    ------
    ValueError
        When two texts are the same after lower-casing and dropping punctuation.
    """
    rng = random.Random(seed)
    span = (LAST_DAY - FIRST_DAY).days
    seen: dict[str, str] = {}
    rows: list[dict[str, object]] = []
    for topic, block in TOPICS.items():
        for text, sentiment in parse_block(topic, block):
            key = _normalise(text)
            if key in seen:
                raise ValueError(f"duplicate text in {topic} (also in {seen[key]}): {text!r}")
            seen[key] = topic
            rows.append(
                {
                    "text": text,
                    "topic": topic,
                    "source": rng.choice(SOURCES),
                    "published": (FIRST_DAY + dt.timedelta(days=rng.randint(0, span))).isoformat(),
                    "words": word_count(text),
                    "sentiment": sentiment,
                }
            )
    rng.shuffle(rows)
    rows.sort(key=lambda r: r["published"])  # stable: same-day rows keep the shuffled order
    return [{"id": i, **row} for i, row in enumerate(rows, 1)]


def main() -> None:
    """Write ``headlines.csv`` next to this script."""
    rows = build_rows()
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()

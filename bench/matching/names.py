"""Name, street and syllable lists for the synthetic generator (comma-separated text)."""


def _split(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


SURNAMES = _split(
    """
Martin, Bernard, Thomas, Petit, Robert, Richard, Durand, Dubois,
Moreau, Laurent, Simon, Michel, Lefèvre, Leroy, Roux, David,
Bertrand, Morel, Fournier, Girard, Bonnet, Dupont, Lambert, Fontaine,
Rousseau, Vincent, Müller, Lefebvre, Faure, André, Mercier, Blanc,
Guérin, Boyer, Garnier, Chevalier, François, Legrand, Gauthier, Garcia,
Perrin, Robin, Clément, Morin, Nicolas, Henry, Roussel, Mathieu,
Gautier, Masson, Marchand, Duval, Denis, Dumont, Marie, Lemaire,
Noël, Meyer, Dufour, Meunier, Brun, Blanchard, Giraud, Joly,
Rivière, Lucas, Brunet, Gaillard, Barbier, Arnaud, Martinez, Gérard,
Roche, Renard, Schmitt, Roy, Leroux, Colin, Vidal, Caron,
Picard, Roger, Fabre, Aubert, Lemoine, Renaud, Dumas, Lacroix,
Olivier, Philippe, Bourgeois, Pierre, Benoît, Rey, Leclerc, Payet,
Rolland, Leclercq, Guillaume, Lecomte, Lopez, Jean, Dupuy, Guillot,
Hubert, Berger, Carpentier, Sanchez, Dupuis, Moulin, Louis, Deschamps,
Huet, Vasseur, Perez, Boucher, Fleury, Royer, Klein, Jacquet,
Adam, Paris, Poirier, Marty, Aubry, Guyot, Carré, Charles,
Renault, Charpentier, Ménard, Maillard, Baron, Bertin, Bailly, Hervé,
Schneider, Fernandez, Le Gall, Collet, Léger, Bouvier, Julien, Prévost,
Millet, Perrot, Daniel, Le Roux, Cousin, Germain, Breton, Besson,
Langlois, Rémy, Le Goff, Pelletier, Lévêque, Perrier, Leblanc, Barré,
Lebrun, Marchal, Weber, Mallet, Hamon, Boulanger, Jacob, Monnier,
Michaud, Rodriguez, Guichard, Gillet, Étienne, Grondin, Poulain, Tessier,
Chevallier, Collin, Chauvin, Da Silva, Bouchet, Gay, Lemaître, Bénard,
Maréchal, Humbert, Reynaud, Antoine, Hoarau, Perret, Barthélemy, Cordier,
Pichon, Lejeune, Gilbert, Lamy, Delaunay, Pasquier, Carlier, Laporte,
Nguyen, Diallo, Traoré, Benali, Haddad, Diop, Ndiaye, Kone,
Camara, Cissé, Mendy, Sow, Ba, Fall, Coulibaly, Dos Santos,
De La Fontaine, D'Artagnan, Saint-Martin, Du Pont, Le Bihan,
"""
)

SYL_A = _split(
    """
Ber, Mar, Du, Le, Cha, Ro, Gi, Pe,
Fou, Bou, La, Mo, Ri, Va, Tes, Gre,
Bla, Cla, Dar, Fer, Gau, Jou, Lan, Mau,
Pon, Sau, Tar, Vil, Bes, Cor, Dau, Gal,
Lou, Mer, Pla, Que, Rou, Sar, Tou, Vau,
Bris, Chau, Cou, Fla, Gui,
"""
)

SYL_B = _split(
    """
tin, rand, chet, lier, nard, on, eau, et,
aud, ier, ard, ot, in, ais, as, oux,
ert, ault, ois, ac, ey, y, ouin, elle,
and, eux, ès, at, ieu, ange, ard, uel,
os, ice, ignac, illon, ourt,
"""
)

F_FIRST = _split(
    """
Marie, Jeanne, Françoise, Monique, Catherine, Nathalie, Isabelle, Sylvie,
Anne, Martine, Nicole, Christine, Sophie, Valérie, Sandrine, Céline,
Julie, Stéphanie, Sarah, Aurélie, Camille, Laura, Léa, Manon,
Emma, Chloé, Inès, Louise, Jade, Zoé, Hélène, Élise,
Agnès, Brigitte, Chantal, Danielle, Émilie, Fatima, Aïcha, Khadija,
Amina, Fatou, Mariam, Yasmine, Océane, Pauline, Claire, Lucie,
Mathilde, Marie-Claire, Marie-Thérèse, Anne-Sophie, Marie-Christine, Marie-Hélène, Marie-Pierre, Marie-Laure,
Anne-Marie, Marie-Josée,
"""
)

M_FIRST = _split(
    """
Jean, Pierre, Michel, André, Philippe, Alain, Bernard, Jacques,
Daniel, Patrick, Nicolas, Christophe, Stéphane, Frédéric, Laurent, Julien,
David, Sébastien, Thomas, Éric, Olivier, Pascal, Thierry, François,
Guillaume, Mathieu, Alexandre, Lucas, Hugo, Louis, Nathan, Théo,
Léo, Gabriel, Raphaël, Mohamed, Ahmed, Youssef, Karim, Mamadou,
Moussa, Ibrahima, Rachid, Antoine, Maxime, Kevin, Romain, Jean-Pierre,
Jean-Claude, Jean-Marc, Jean-Luc, Jean-François, Jean-Paul, Jean-Michel, Pierre-Yves, Jean-Baptiste,
Paul-Henri,
"""
)

STREETS = _split(
    """
de la République, Victor Hugo, Jean Jaurès, de la Gare, Pasteur, du Général de Gaulle, des Lilas, de Paris,
Gambetta, Voltaire, Émile Zola, de la Liberté, des Écoles, du Moulin, Saint-Michel, de Verdun,
Jean Moulin, des Acacias, Carnot, de la Paix, Anatole France, du Château, de l'Église, des Roses,
Louis Pasteur, Aristide Briand, Paul Bert, Jules Ferry,
"""
)

#: Usual forms a person goes by instead of the civil first name (the generator's own short
#: list; the engine has an independent, longer one, so this part of the bench is easy).
USUAL = {
    "Catherine": "Cathy",
    "Frédéric": "Fred",
    "Christophe": "Chris",
    "Alexandre": "Alex",
    "Nathalie": "Nath",
    "Isabelle": "Isa",
    "Sébastien": "Seb",
    "Mohamed": "Mohammed",
    "Jean-Baptiste": "JB",
    "Maxime": "Max",
    "Valérie": "Val",
    "Stéphanie": "Steph",
}

#: Masculine first names and their feminine forms (twins and siblings of both sexes).
PAIRED = {
    "Jean": "Jeanne",
    "Louis": "Louise",
    "Daniel": "Danielle",
    "François": "Françoise",
    "Michel": "Michelle",
    "Pascal": "Pascale",
    "Julien": "Julie",
    "Nicolas": "Nicole",
}

#: The 60 places of the synthetic persons.
CITIES: list[tuple[str, str, str]] = [  # (postcode, city, insee)
    *[(f"750{i:02d}", "Paris", f"751{i:02d}") for i in range(1, 21)],
    *[(f"6900{i}", "Lyon", f"6938{i}") for i in range(1, 10)],
    *[(f"130{i:02d}", "Marseille", f"132{i:02d}") for i in range(1, 17)],
    ("31000", "Toulouse", "31555"),
    ("06000", "Nice", "06088"),
    ("44000", "Nantes", "44109"),
    ("67000", "Strasbourg", "67482"),
    ("34000", "Montpellier", "34172"),
    ("33000", "Bordeaux", "33063"),
    ("59000", "Lille", "59350"),
    ("35000", "Rennes", "35238"),
    ("51100", "Reims", "51454"),
    ("42000", "Saint-Étienne", "42218"),
    ("83000", "Toulon", "83137"),
    ("38000", "Grenoble", "38185"),
    ("21000", "Dijon", "21231"),
    ("49000", "Angers", "49007"),
    ("30000", "Nîmes", "30189"),
    ("93200", "Saint-Denis", "93066"),
    ("97400", "Saint-Denis", "97411"),
    ("63000", "Clermont-Ferrand", "63113"),
    ("87000", "Limoges", "87085"),
    ("37000", "Tours", "37261"),
    ("80000", "Amiens", "80021"),
    ("57000", "Metz", "57463"),
    ("25000", "Besançon", "25056"),
    ("66000", "Perpignan", "66136"),
    ("45000", "Orléans", "45234"),
    ("14000", "Caen", "14118"),
    ("68100", "Mulhouse", "68224"),
    ("76000", "Rouen", "76540"),
    ("54000", "Nancy", "54395"),
    ("95100", "Argenteuil", "95018"),
    ("93100", "Montreuil", "93048"),
    ("20000", "Ajaccio", "2A004"),
    ("20200", "Bastia", "2B033"),
    ("62300", "Lens", "62498"),
    ("02100", "Saint-Quentin", "02691"),
    ("01000", "Bourg-en-Bresse", "01053"),
]
